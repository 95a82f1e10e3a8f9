//! Lighthouse's side of the hand-over between CVM and Lighthouse (TC-LIGHTHOUSE; providers:
//! instances.md §2.3): `ModifyImageSharePermission` of Lighthouse's API (version 2020-03-24,
//! signed for service `lighthouse`) shares the caller's own CVM custom image into its own
//! Lighthouse, or cancels that; it names no accounts. `DescribeImagesToShare` lists the CVM
//! images the caller could hand over; `CreateInstances` and `ResetInstance` build and rebuild
//! Lighthouse instances from a handed-over image.

use serde_json::{Map, Value, json};

use super::api::{ApiError, Call, id_shaped, image_json, unexpected};
use crate::engine::{Operation, Output, Product, Visibility};

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

/// `CreateInstances`: Lighthouse instances from a blueprint. A CVM image the owner handed to its
/// Lighthouse is named here by its CVM image ID (inferred: no source says which blueprint ID a
/// handed-over image takes in Lighthouse). The engine decides whether the caller may build a
/// Lighthouse instance from it (TC-LIGHTHOUSE).
pub(super) fn create_instances(c: &mut Call<'_>) -> Reply {
    if c.params.required_string("BundleId")?.trim().is_empty() {
        return Err(ApiError::bad_value("BundleId", "", "it must name a bundle"));
    }
    let image = cvm_image(c.params.required_string("BlueprintId")?)?;
    match c.params.get("InstanceChargePrepaid") {
        Some(Value::Object(p)) if p.get("Period").is_some_and(Value::is_i64) => {}
        Some(_) => {
            return Err(ApiError::parameter(
                "InvalidParameter",
                "The parameter `InstanceChargePrepaid` must be an object with an Integer `Period`.",
            ));
        }
        None => return Err(ApiError::missing("InstanceChargePrepaid")),
    }
    let count = c.params.integer("InstanceCount")?.unwrap_or(1);
    if !(1..=30).contains(&count) {
        return Err(ApiError::bad_value("InstanceCount", count, "it must be 1 to 30"));
    }
    if let Some(zones) = c.params.strings("Zones")?
        && let Some(z) = zones.iter().find(|z| super::api::region_of_zone(z) != Some(c.region.as_str()))
    {
        return Err(ApiError::parameter(
            "InvalidParameterValue.ZoneInvalid",
            format!("The zone `{z}` is not in the region `{}`.", c.region),
        ));
    }
    c.params.string("InstanceName")?;
    c.params.string("ClientToken")?;
    let dry_run = c.params.flag("DryRun")?;
    let ops = (0..count).map(|_| Operation::Launch { image: image.clone(), product: Product::Lighthouse }).collect();
    let mut ids = Vec::new();
    for out in c.run_all(ops, dry_run)? {
        match out {
            Output::Launched { instance } => ids.push(Value::String(instance)),
            other => return Err(unexpected(&other)),
        }
    }
    Ok(Map::from_iter([("InstanceIdSet".to_string(), Value::Array(ids))]))
}

/// `ResetInstance`: rebuilds a Lighthouse instance from its own blueprint, or from another one
/// named by `BlueprintId`.
pub(super) fn reset_instance(c: &mut Call<'_>) -> Reply {
    let instance = c.params.required_string("InstanceId")?;
    let image = c.params.string("BlueprintId")?.map(cvm_image).transpose()?;
    // Only the caller's own Lighthouse instance in this region is found here, in Lighthouse's
    // words; CVM's instances are not Lighthouse's.
    let region_ix = super::SPEC.regions.iter().position(|r| r.id == c.region);
    let lighthouse = |i: &crate::engine::Instance| i.product == Product::Lighthouse && Some(i.region) == region_ix;
    if super::api::own_instance(c, &instance, lighthouse).is_none() {
        return Err(ApiError::parameter(
            "ResourceNotFound.InstanceIdNotFound",
            format!("The instance `{instance}` does not exist."),
        ));
    }
    let op = super::api::reset_operation(c, instance, image, lighthouse);
    c.run(op)?;
    Ok(Map::new())
}

/// `CreateBlueprint`: a Lighthouse image of a Lighthouse instance (the way from Lighthouse back
/// to CVM starts here; TC-LIGHTHOUSE). The answer's `BlueprintId` is the engine's image ID
/// (inferred: real blueprint IDs are `lhbp-…`; sharesim names every Tencent image alike).
pub(super) fn create_blueprint(c: &mut Call<'_>) -> Reply {
    let name = c.params.required_string("BlueprintName")?;
    if name.trim().is_empty() || name.chars().count() > 60 {
        return Err(ApiError::bad_value("BlueprintName", &name, "it must be 1 to 60 characters"));
    }
    let description = c.params.string("Description")?.unwrap_or_default();
    let instance = c.params.required_string("InstanceId")?;
    c.params.boolean("ForcePowerOff")?;
    let new = crate::engine::NewImage {
        name,
        region: c.region.clone(),
        description,
        from: Some(instance),
        ..Default::default()
    };
    match c.run(Operation::CreateImage(new))? {
        Output::ImageCreated { image, .. } => Ok(Map::from_iter([("BlueprintId".to_string(), json!(image))])),
        other => Err(unexpected(&other)),
    }
}
