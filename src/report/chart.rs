//! The figures that differ between the clouds, as a bar chart: recipients per image and per
//! request. Written as SVG directly (a handful of bars on a log scale needs no library), with
//! a title and a description for screen readers and every value printed beside its bar.

use crate::providers::Provider;

/// One bar: a provider's figure, or none when it has no such limit.
fn bars(pick: impl Fn(Provider) -> Option<u32>) -> Vec<(&'static str, Option<u32>)> {
    Provider::ALL.iter().map(|&p| (p.spec().title, pick(p))).collect()
}

/// The chart as an SVG element.
pub fn limits_svg() -> String {
    let groups = [
        ("Recipients per image", bars(|p| p.policy().share_limit.map(|(_, n)| n))),
        ("Recipients per request", bars(|p| p.policy().recipients_per_request.map(|(_, n, _)| n))),
    ];
    let (label_w, bar_w, row_h, head_h) = (190.0, 360.0, 22.0, 28.0);
    let rows: usize = groups.iter().map(|(_, b)| b.len()).sum();
    let height = groups.len() as f64 * head_h + rows as f64 * row_h + 10.0;
    let width = label_w + bar_w + 70.0;
    // log10 scale from 1 to 1,000.
    let scale = |v: u32| (f64::from(v.max(1))).log10() / 3.0 * bar_w;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\
         <title id=\"chart-title\">Share limits by cloud</title>\
         <desc id=\"chart-desc\">Bars on a logarithmic scale: how many accounts one image may be shared with, and how many one request may name.</desc>"
    );
    let mut y = 0.0;
    for (title, bars) in &groups {
        y += head_h;
        svg.push_str(&format!("<text x=\"0\" y=\"{:.0}\" class=\"chart-head\">{title}</text>", y - 8.0));
        for (name, value) in bars {
            let text_y = y + row_h * 0.7;
            svg.push_str(&format!("<text x=\"0\" y=\"{text_y:.0}\" class=\"chart-label\">{name}</text>"));
            match value {
                Some(v) => {
                    let w = scale(*v).max(2.0);
                    svg.push_str(&format!(
                        "<rect x=\"{label_w}\" y=\"{:.0}\" width=\"{w:.0}\" height=\"{:.0}\" class=\"chart-bar\"/>\
                         <text x=\"{:.0}\" y=\"{text_y:.0}\" class=\"chart-value\">{v}</text>",
                        y + 3.0,
                        row_h - 6.0,
                        label_w + w + 6.0
                    ));
                }
                None => svg.push_str(&format!(
                    "<text x=\"{label_w}\" y=\"{text_y:.0}\" class=\"chart-value\">no limit stated</text>"
                )),
            }
            y += row_h;
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_chart_names_every_cloud_and_figure() {
        let svg = super::limits_svg();
        for needle in ["JD Cloud", "Huawei Cloud SWR", ">500<", ">10<", "<title"] {
            assert!(svg.contains(needle), "{needle}");
        }
    }
}
