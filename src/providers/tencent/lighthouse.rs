//! Lighthouse's side of the hand-over between CVM and Lighthouse (TC-LIGHTHOUSE; providers:
//! instances.md §2.3): `ModifyImageSharePermission` of Lighthouse's API (version 2020-03-24,
//! signed for service `lighthouse`) shares the caller's own CVM custom image into its own
//! Lighthouse, or cancels that; it names no accounts. `DescribeImagesToShare` lists the CVM
//! images the caller could hand over.

use serde_json::{Map, Value, json};

use super::api::{ApiError, Call, id_shaped, image_json, unexpected};
use crate::engine::{Operation, Output, Visibility};

type Reply = Result<Map<String, Value>, ApiError>;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

/// A CVM image ID, in Lighthouse's words when it is malformed.
fn cvm_image(s: String) -> Result<String, ApiError> {
    if id_shaped(&s, "img-") {
        Ok(s)
    } else {
        Err(ApiError::parameter(
            "InvalidParameterValue.InvalidImageIdMalformed",
            format!("The image ID `{s}` is malformed."),
        ))
    }
}

pub(super) fn modify_image_share_permission(c: &mut Call<'_>) -> Reply {
    let image = cvm_image(c.params.required_string("ImageId")?)?;
    let op = match c.params.required_string("Permission")?.as_str() {
        "SHARE" => Operation::ShareToLighthouse { image },
        "CANCEL" => Operation::CancelLighthouseShare { image },
        other => return Err(ApiError::bad_value("Permission", other, "it must be SHARE or CANCEL")),
    };
    c.run(op)?;
    Ok(Map::new())
}

pub(super) fn describe_images_to_share(c: &mut Call<'_>) -> Reply {
    let ids = c.params.strings("ImageIds")?.filter(|l| !l.is_empty());
    let ids = ids.map(|l| l.into_iter().map(cvm_image).collect::<Result<Vec<_>, _>>()).transpose()?;
    let mut filters: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(v) = c.params.get("Filters") {
        let Value::Array(items) = v else {
            return Err(ApiError::parameter("InvalidParameter", "The parameter `Filters` must be an Array of Filter."));
        };
        for (i, item) in items.iter().enumerate() {
            let name = item.get("Name").and_then(Value::as_str).map(str::to_string);
            let values: Option<Vec<String>> = item
                .get("Values")
                .and_then(Value::as_array)
                .map(|vs| vs.iter().filter_map(Value::as_str).map(str::to_string).collect());
            let (Some(name), Some(values)) = (name, values) else {
                return Err(ApiError::missing(&format!("Filters.{i}.Name / Values")));
            };
            if !matches!(name.as_str(), "image-id" | "image-name" | "image-type") {
                return Err(ApiError::parameter("InvalidFilter", format!("Invalid filter `{name}`.")));
            }
            filters.push((name, values));
        }
    }
    if ids.is_some() && !filters.is_empty() {
        return Err(ApiError::parameter(
            "InvalidParameter.ParameterConflict",
            "ImageIds and Filters cannot be given together.",
        ));
    }
    let offset = c.params.integer("Offset")?.unwrap_or(0).max(0);
    let limit = c.params.integer("Limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(0..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_value("Limit", limit, "it must be 0 to 100"));
    }
    let images = match c.run(Operation::ListImages)? {
        Output::Images { images } => images,
        other => return Err(unexpected(&other)),
    };
    let selected: Vec<Value> = images
        .iter()
        .filter(|img| img.visibility == Visibility::Private)
        .filter(|img| ids.as_ref().is_none_or(|ids| ids.contains(&img.id)))
        .filter(|img| {
            filters.iter().all(|(name, values)| match name.as_str() {
                "image-id" => values.contains(&img.id),
                "image-name" => values.iter().any(|v| img.name.contains(v.as_str())),
                _ => values.iter().any(|v| v == "PRIVATE_IMAGE"),
            })
        })
        .map(|img| image_json(img, "PRIVATE_IMAGE"))
        .collect();
    let total = selected.len();
    let page: Vec<Value> = selected.into_iter().skip(offset as usize).take(limit as usize).collect();
    Ok(Map::from_iter([("TotalCount".to_string(), json!(total)), ("ImageSet".to_string(), Value::Array(page))]))
}
