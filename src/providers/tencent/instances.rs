//! CVM's calls around a shared image (providers: instances.md §2): making an image from an
//! instance (`CreateImage`) or from a file in COS (`ImportImage`), the image quota
//! (`DescribeImageQuota`), and looking at and releasing one's instances (`DescribeInstances`,
//! `TerminateInstances`). `RunInstances` and
//! `ResetInstance` are in `api.rs`. Each decision is an engine operation's.

use serde_json::{Map, Value, json};

use super::api::{ApiError, Call, id_shaped, unexpected};
use crate::engine::{InstanceView, NewImage, Operation, Output};

/// `CreateImage`: `ImageName` at most this many characters, `ImageDescription` this many.
const MAX_IMAGE_NAME: usize = 60;
const MAX_IMAGE_DESCRIPTION: usize = 256;
/// `DescribeInstances` / `TerminateInstances`: at most this many IDs; default and largest page.
const MAX_INSTANCE_IDS: usize = 100;
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

type Reply = Result<Map<String, Value>, ApiError>;

fn instance_id(s: String) -> Result<String, ApiError> {
    if id_shaped(&s, "ins-") {
        Ok(s)
    } else {
        Err(ApiError::parameter(
            "InvalidInstanceId.Malformed",
            format!("The specified instance ID `{s}` has an invalid format."),
        ))
    }
}

/// `true`/`false` as the SDK sends these options: strings, not booleans.
fn string_flag(c: &Call<'_>, name: &str) -> Result<(), ApiError> {
    match c.params.string(name)?.as_deref() {
        None | Some("true") | Some("false") => Ok(()),
        Some(other) => Err(ApiError::bad_value(name, other, "it must be `true` or `false`")),
    }
}

/// `ImageName` (1 to 60 characters) and `ImageDescription` (at most 256), as both image-making
/// calls take them.
fn name_and_description(c: &Call<'_>) -> Result<(String, String), ApiError> {
    let name = c.params.required_string("ImageName")?;
    if name.trim().is_empty() || name.chars().count() > MAX_IMAGE_NAME {
        return Err(ApiError::bad_value("ImageName", &name, "it must be 1 to 60 characters"));
    }
    let description = c.params.string("ImageDescription")?.unwrap_or_default();
    if description.chars().count() > MAX_IMAGE_DESCRIPTION {
        return Err(ApiError::parameter(
            "InvalidParameterValue.TooLong",
            format!("The value of parameter `ImageDescription` is longer than {MAX_IMAGE_DESCRIPTION} characters."),
        ));
    }
    Ok((name, description))
}

/// `CreateImage` from one of the caller's instances in the call's region.
pub(super) fn create_image(c: &mut Call<'_>) -> Reply {
    let (name, description) = name_and_description(c)?;
    let instance = c.params.string("InstanceId")?.map(instance_id).transpose()?;
    let snapshots = c.params.strings("SnapshotIds")?.filter(|s| !s.is_empty());
    let instance = match (instance, snapshots) {
        (Some(i), None) => i,
        (Some(_), Some(_)) => {
            return Err(ApiError::parameter(
                "InvalidParameter.InstanceImageNotSupport",
                "InstanceId and SnapshotIds cannot be given together.",
            ));
        }
        (None, Some(_)) => {
            // Not the provider's refusal: sharesim models no snapshots.
            return Err(ApiError::new(
                "UnsupportedOperation",
                "sharesim makes images from instances only (InstanceId); it models no snapshots.",
                "Unsupported",
            ));
        }
        (None, None) => return Err(ApiError::missing("InstanceId")),
    };
    string_flag(c, "ForcePoweroff")?;
    string_flag(c, "Sysprep")?;
    c.params.strings("DataDiskIds")?;
    c.params.string("ImageFamily")?;
    let dry_run = c.params.flag("DryRun")?;
    let new = NewImage { name, region: c.region.clone(), description, from: Some(instance), ..Default::default() };
    let mut outs = c.run_all(vec![Operation::CreateImage(new)], dry_run)?;
    match outs.pop() {
        Some(Output::ImageCreated { image, .. }) => Ok(Map::from_iter([("ImageId".to_string(), json!(image))])),
        Some(other) => Err(unexpected(&other)),
        None => Err(unexpected(&Output::Done)),
    }
}

/// `ImportImage`'s architectures (the SDK's documented values).
const ARCHITECTURES: [&str; 3] = ["x86_64", "i386", "arm_64"];

/// `ImportImage`: an image made from a file the owner put in COS, with no instance behind it.
/// The engine decides it as any image the owner makes; the answer names the new image.
pub(super) fn import_image(c: &mut Call<'_>) -> Reply {
    let architecture = c.params.required_string("Architecture")?;
    if !ARCHITECTURES.contains(&architecture.as_str()) {
        return Err(ApiError::bad_value("Architecture", &architecture, "it must be x86_64, i386 or arm_64"));
    }
    for name in ["OsType", "OsVersion"] {
        if c.params.required_string(name)?.trim().is_empty() {
            return Err(ApiError::bad_value(name, "", "it must not be empty"));
        }
    }
    // A COS object URL; the exact check CVM makes is not published (inferred: an http(s) URL).
    let url = c.params.required_string("ImageUrl")?;
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 {
        return Err(ApiError::bad_value("ImageUrl", &url, "it must be the http(s) URL of a COS object"));
    }
    let (name, description) = name_and_description(c)?;
    c.params.boolean("Force")?;
    c.params.string("LicenseType")?;
    c.params.string("BootMode")?;
    c.params.string("ImageFamily")?;
    let dry_run = c.params.flag("DryRun")?;
    let new = NewImage { name, region: c.region.clone(), description, ..Default::default() };
    let mut outs = c.run_all(vec![Operation::CreateImage(new)], dry_run)?;
    match outs.pop() {
        Some(Output::ImageCreated { image, .. }) => Ok(Map::from_iter([("ImageId".to_string(), json!(image))])),
        Some(other) => Err(unexpected(&other)),
        None => Err(unexpected(&Output::Done)),
    }
}

/// `DescribeImageQuota`: the account's image quota (not how much of it is used).
pub(super) fn describe_image_quota(c: &mut Call<'_>) -> Reply {
    match c.run(Operation::Quota)? {
        Output::Quota { limit, .. } => Ok(Map::from_iter([("ImageNumQuota".to_string(), json!(limit))])),
        other => Err(unexpected(&other)),
    }
}

struct InstanceFilter {
    name: String,
    values: Vec<String>,
}

fn instance_filters(c: &Call<'_>) -> Result<Vec<InstanceFilter>, ApiError> {
    let Some(v) = c.params.get("Filters") else { return Ok(vec![]) };
    let Value::Array(items) = v else {
        return Err(ApiError::parameter("InvalidParameter", "The parameter `Filters` must be an Array of Filter."));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("Filters.{i}");
        let Value::Object(f) = item else {
            return Err(ApiError::parameter("InvalidParameter", format!("The parameter `{path}` must be a Filter.")));
        };
        let name = match f.get("Name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(ApiError::missing(&format!("{path}.Name"))),
        };
        let values: Vec<String> = match f.get("Values") {
            Some(Value::Array(vs)) => vs.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => return Err(ApiError::missing(&format!("{path}.Values"))),
        };
        let known = matches!(
            name.as_str(),
            "zone"
                | "instance-id"
                | "instance-name"
                | "instance-state"
                | "instance-charge-type"
                | "vpc-id"
                | "subnet-id"
                | "project-id"
                | "tag-key"
                | "tag-value"
        ) || name.starts_with("tag:");
        if !known {
            return Err(ApiError::parameter("InvalidFilter", format!("Invalid filter `{name}`.")));
        }
        out.push(InstanceFilter { name, values });
    }
    Ok(out)
}

fn state_of(i: &InstanceView) -> &'static str {
    if i.state == "stopped" { "STOPPED" } else { "RUNNING" }
}

fn zone_of(i: &InstanceView) -> String {
    format!("{}-1", i.region)
}

fn instance_matches(f: &InstanceFilter, i: &InstanceView) -> bool {
    match f.name.as_str() {
        "zone" => f.values.contains(&zone_of(i)),
        "instance-id" => f.values.contains(&i.id),
        "instance-name" => f.values.iter().any(|v| i.id.contains(v.as_str())),
        "instance-state" => f.values.iter().any(|v| v == state_of(i)),
        "instance-charge-type" => f.values.iter().any(|v| v == "POSTPAID_BY_HOUR"),
        // No instance carries a VPC, subnet, project or tags here.
        _ => false,
    }
}

fn instance_json(i: &InstanceView) -> Value {
    json!({
        "InstanceId": i.id,
        "InstanceName": i.id,
        "ImageId": i.image,
        "InstanceState": state_of(i),
        "Placement": { "Zone": zone_of(i), "ProjectId": 0 },
        "InstanceType": "S5.MEDIUM2",
        "InstanceChargeType": "POSTPAID_BY_HOUR",
        "OsName": "TencentOS Server 3.1",
        "LatestOperation": null,
        "LatestOperationState": null,
        "Tags": [],
    })
}

/// `DescribeInstances`: the caller's instances in the call's region, by IDs or filters. IDs of
/// instances the caller does not have are left out, as CVM does.
pub(super) fn describe_instances(c: &mut Call<'_>) -> Reply {
    let ids = c.params.strings("InstanceIds")?.filter(|l| !l.is_empty());
    let ids = ids.map(|l| l.into_iter().map(instance_id).collect::<Result<Vec<_>, _>>()).transpose()?;
    if ids.as_ref().is_some_and(|l| l.len() > MAX_INSTANCE_IDS) {
        return Err(ApiError::parameter(
            "InvalidParameterValue.LimitExceeded",
            format!("The number of parameter values exceeds the limit: at most {MAX_INSTANCE_IDS} InstanceIds."),
        ));
    }
    let filters = instance_filters(c)?;
    if ids.is_some() && !filters.is_empty() {
        // The SDK's error list names this combination (InstanceIds with Filters).
        return Err(ApiError::parameter(
            "InvalidParameterCombination",
            "InstanceIds and Filters cannot be given together.",
        ));
    }
    let offset = c.params.integer("Offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_value("Offset", offset, "it must not be negative"));
    }
    let limit = c.params.integer("Limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(0..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_value("Limit", limit, "it must be 0 to 100"));
    }
    let instances = match c.run(Operation::ListInstances)? {
        Output::Instances { instances } => instances,
        other => return Err(unexpected(&other)),
    };
    let selected: Vec<Value> = instances
        .iter()
        .filter(|i| {
            ids.as_ref().is_none_or(|ids| ids.contains(&i.id)) && filters.iter().all(|f| instance_matches(f, i))
        })
        .map(instance_json)
        .collect();
    let total = selected.len();
    let page: Vec<Value> = selected.into_iter().skip(offset as usize).take(limit as usize).collect();
    Ok(Map::from_iter([("TotalCount".to_string(), json!(total)), ("InstanceSet".to_string(), Value::Array(page))]))
}

/// `TerminateInstances`: releases the caller's instances, all or none.
pub(super) fn terminate_instances(c: &mut Call<'_>) -> Reply {
    let ids = c.params.required_strings("InstanceIds")?;
    if ids.len() > MAX_INSTANCE_IDS {
        return Err(ApiError::parameter(
            "InvalidParameterValue.LimitExceeded",
            format!("The number of parameter values exceeds the limit: at most {MAX_INSTANCE_IDS} InstanceIds."),
        ));
    }
    let ids = ids.into_iter().map(instance_id).collect::<Result<Vec<_>, _>>()?;
    c.params.boolean("ReleaseAddress")?;
    c.params.boolean("ReleasePrepaidDataDisks")?;
    let dry_run = c.params.flag("DryRun")?;
    let ops = ids.into_iter().map(|instance| Operation::DeleteInstance { instance }).collect();
    c.run_all(ops, dry_run)?;
    Ok(Map::new())
}
