//! Runs a scenario on one provider's engine and records what happened, step by step.
//!
//! The runner only translates: handles to provider IDs, account names to the identity strings
//! the provider takes. Every decision is the engine's, so a transcript over HTTP can match
//! this one byte for byte.

use std::collections::HashMap;
use std::fmt::Write;

use super::model::*;
use crate::clock::iso8601;
use crate::engine::{
    Engine, ErrorKind, NewImage, Operation, Outcome, Output, Request, ShareOptions, ShareStatus, Validity,
};
use crate::providers::{Provider, WireError};

/// One step's outcome on one provider.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// 1-based step number.
    pub step: usize,
    pub line: u64,
    pub call: String,
    pub ok: bool,
    /// The canonical error, for a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// The provider's own error code and HTTP status, for a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wire: Option<WireError>,
    /// What came back, in words.
    pub detail: String,
    /// The expectation this outcome broke, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broke: Option<String>,
    /// Over HTTP: the request that carried the step and its response (the last one sent,
    /// which is the refused one when the step was refused).
    #[serde(skip)]
    pub exchange: Option<Exchange>,
}

/// One HTTP request and its response, as text a reader can follow (bodies cut at 2 KB).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exchange {
    pub request: String,
    pub response: String,
}

/// A scenario's run on one provider.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProviderRun {
    pub provider: Provider,
    pub entries: Vec<Entry>,
    /// For a run over HTTP: which steps crossed the provider's API and which the admin route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<super::via_http::Routes>,
    /// Wall time the run took (JUnit's `time`; never in a transcript).
    #[serde(skip)]
    pub elapsed: std::time::Duration,
}

impl ProviderRun {
    pub fn broken(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.broke.is_some())
    }
}

/// Why a run could not start: bad input the loader could not see (e.g. a setting that breaks
/// the engine's account rules). Reported as invalid input.
#[derive(Debug, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct SetupError {
    pub provider: Provider,
    pub message: String,
}

/// The way a runner's requests reach an engine: straight in ([`InProcess`]) or over a
/// provider's HTTP API (`scenario::via_http`). Both must give the same transcript.
pub trait Door {
    fn provider(&self) -> Provider;
    /// Reads the world for the runner's own lookups: identity strings, an image's region, the
    /// clock. Never used to decide anything.
    fn look<R>(&self, f: impl FnOnce(&Engine) -> R) -> R;
    /// Carries one request to the engine. The note, if any, says where the provider's wire
    /// answer disagreed with the engine's decision; the transcript shows it.
    fn apply(&mut self, req: &Request) -> (Outcome, Option<String>);
    /// The HTTP exchange that carried the last request, where there was one.
    fn take_exchange(&mut self) -> Option<Exchange> {
        None
    }
}

/// The engine itself, called directly.
pub struct InProcess(pub Engine);

impl Door for InProcess {
    fn provider(&self) -> Provider {
        self.0.provider()
    }

    fn look<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        f(&self.0)
    }

    fn apply(&mut self, req: &Request) -> (Outcome, Option<String>) {
        (self.0.apply(req), None)
    }
}

struct Runner<'d, D: Door> {
    door: &'d mut D,
    images: HashMap<String, String>,
    instances: HashMap<String, String>,
    /// Provider ID → scenario handle, to print handles back.
    names: HashMap<String, String>,
    /// Recipient string → account name, to print accounts back.
    who: HashMap<String, String>,
}

/// The engine a scenario starts from on provider `p`: its settings and accounts, no images.
pub fn setup(s: &Scenario, p: Provider) -> Result<Engine, SetupError> {
    let settings = s.settings.get(&p).cloned().unwrap_or_default();
    let mut engine = Engine::with_settings(p, 0, settings);
    let crowd = (1..=s.crowd).map(|i| format!("{}{i}", super::load::CROWD_PREFIX));
    for a in s.accounts.iter().cloned().chain(crowd) {
        engine.add_account(&a).map_err(|f| SetupError { provider: p, message: f.message })?;
    }
    Ok(engine)
}

/// Runs `s` on provider `p` from an empty world, in process.
pub fn run(s: &Scenario, p: Provider) -> Result<ProviderRun, SetupError> {
    Ok(run_on(s, &mut InProcess(setup(s, p)?)))
}

/// Runs `s` through `door`, whose engine was made by [`setup`].
pub fn run_on<D: Door>(s: &Scenario, door: &mut D) -> ProviderRun {
    let provider = door.provider();
    let mut r =
        Runner { door, images: HashMap::new(), instances: HashMap::new(), names: HashMap::new(), who: HashMap::new() };
    let mut entries = Vec::with_capacity(s.steps.len());
    for (i, step) in s.steps.iter().enumerate() {
        let mut entry = r.step(i + 1, step);
        entry.exchange = r.door.take_exchange();
        entries.push(entry);
    }
    ProviderRun { provider, entries, routes: None, elapsed: std::time::Duration::ZERO }
}

/// What a running engine holds by the names a step may use (see [`apply_step`]): its accounts
/// and the images of [`image_handles`]. Instances are named by ID and go to the engine as given.
pub fn known(e: &Engine, images: &HashMap<String, String>) -> super::load::Known {
    let accounts = e.state().accounts.iter().map(|a| a.name.clone()).collect();
    super::load::Known { accounts, images: images.keys().cloned().collect() }
}

/// Image handles on a running engine, to the image's ID: every image by its ID, and by its
/// name where that name is not shared with another image (live images win over deleted ones
/// of the same name).
pub fn image_handles(e: &Engine) -> HashMap<String, String> {
    let images = &e.state().images;
    let mut by_name: HashMap<&str, Vec<&crate::engine::Image>> = HashMap::new();
    for i in images {
        by_name.entry(i.name.as_str()).or_default().push(i);
    }
    let mut out: HashMap<String, String> = images.iter().map(|i| (i.id.clone(), i.id.clone())).collect();
    for (name, list) in by_name {
        let live: Vec<_> = list.iter().filter(|i| i.deleted_at.is_none()).collect();
        let pick = match (live.as_slice(), list.as_slice()) {
            ([one], _) => Some(one.id.clone()),
            ([], [one]) => Some(one.id.clone()),
            _ => None,
        };
        out.extend(pick.map(|id| (name.to_string(), id)));
    }
    out
}

/// Applies one step to an engine that is already running (the admin API's `apply`), with
/// `images` from [`image_handles`]; accounts are the world's.
pub fn apply_step<D: Door>(door: &mut D, step: &Step, images: HashMap<String, String>) -> (Entry, Outcome) {
    // An instance is named by its ID, which goes to the engine as given: an unknown one gets
    // the provider's own refusal, as it would from its API.
    let mut instances = HashMap::new();
    if let StepOp::ReinitDisk { instance }
    | StepOp::ReplaceSystemDisk { instance, .. }
    | StepOp::CreateImage { from: Some(instance), .. } = &step.op
    {
        instances.insert(instance.clone(), instance.clone());
    }
    let names = images.iter().filter(|(handle, id)| handle != id).map(|(h, id)| (id.clone(), h.clone())).collect();
    let mut r = Runner { door, images, instances, names, who: HashMap::new() };
    r.step_outcome(1, step)
}

fn crowd_name(i: u32) -> String {
    format!("{}{i}", super::load::CROWD_PREFIX)
}

impl<D: Door> Runner<'_, D> {
    fn image_id(&self, handle: &str) -> String {
        // A handle whose create or copy failed on this provider names nothing here.
        self.images.get(handle).cloned().unwrap_or_else(|| format!("<{handle} was not created>"))
    }

    fn handle(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn account_of(&self, recipient: &str) -> String {
        self.who.get(recipient).cloned().unwrap_or_else(|| recipient.to_string())
    }

    /// Identity strings for recipients, in the region of `image` (or home).
    fn recipients(&mut self, list: &[Recipient], region: &str) -> Vec<String> {
        let mut out = Vec::new();
        for r in list {
            match r {
                Recipient::Account { name, form, region: at } => {
                    let at = at.as_deref().unwrap_or(region);
                    let id = self.door.look(|e| match form {
                        None => e.recipient_id(name, at),
                        Some(kind) => e.identity_of(name, *kind, at),
                    });
                    // An account without that identity form on this provider: send something the
                    // provider will refuse, and say so in the call.
                    let id = id.unwrap_or_else(|_| format!("<{name} has no such identity>"));
                    self.who.insert(id.clone(), name.clone());
                    out.push(id);
                }
                Recipient::Raw(s) => out.push(s.clone()),
                Recipient::Crowd { from, to } => {
                    // One look for the whole crowd: over HTTP each look takes the server's lock.
                    let crowd: Vec<(String, String)> = self.door.look(|e| {
                        (*from..=*to)
                            .map(crowd_name)
                            .map(|name| (e.recipient_id(&name, region).unwrap_or_default(), name))
                            .collect()
                    });
                    for (id, name) in crowd {
                        self.who.insert(id.clone(), name);
                        out.push(id);
                    }
                }
            }
        }
        out
    }

    /// The abstract region an image lives in, for per-region recipient identities.
    fn region_of(&self, handle: &str, step_region: &Option<String>) -> String {
        if let Some(r) = step_region {
            return r.clone();
        }
        let id = self.image_id(handle);
        self.door.look(|e| {
            let state = e.state();
            state
                .index
                .image_by_id
                .get(&id)
                .map(|&ix| e.provider().spec().regions[state.images[ix as usize].region].name.to_string())
                .unwrap_or_else(|| "home".to_string())
        })
    }

    fn validity(&self, v: Option<ValiditySpec>) -> Option<Validity> {
        v.map(|v| match v {
            ValiditySpec::Forever => Validity::Forever,
            ValiditySpec::For(s) => Validity::Until(self.door.look(Engine::now).saturating_add(s)),
            ValiditySpec::At(t) => Validity::Until(t),
        })
    }

    /// Applies the step's operation, split into several requests for a batched share. Returns
    /// the last request sent, its outcome (or the merged success), how many were sent, and any
    /// note on the wire's disagreement.
    fn apply(&mut self, step: &Step, req: Request) -> (Request, Outcome, usize, Option<String>) {
        let batch = match (&step.op, &req.op) {
            (StepOp::Share { batch: Some(b), .. }, Operation::Share { recipients, .. })
                if recipients.len() > *b as usize =>
            {
                *b as usize
            }
            _ => {
                let (out, note) = self.door.apply(&req);
                return (req, out, 1, note);
            }
        };
        let Operation::Share { images, recipients, options } = &req.op else { unreachable!("matched above") };
        let (mut added, mut unchanged) = (Vec::new(), Vec::new());
        let mut sent = 0;
        let mut notes: Vec<String> = Vec::new();
        for chunk in recipients.chunks(batch) {
            sent += 1;
            let op = Operation::Share { images: images.clone(), recipients: chunk.to_vec(), options: options.clone() };
            let one = Request { op, ..req.clone() };
            let (out, note) = self.door.apply(&one);
            notes.extend(note.map(|n| format!("request {sent}: {n}")));
            match out {
                Ok(Output::Shared { added: a, unchanged: u }) => {
                    added.extend(a);
                    unchanged.extend(u);
                }
                other => return (one, other, sent, join_notes(notes)),
            }
        }
        (req, Ok(Output::Shared { added, unchanged }), sent, join_notes(notes))
    }

    fn step(&mut self, n: usize, step: &Step) -> Entry {
        self.step_outcome(n, step).0
    }

    /// A step's transcript entry and the engine's own answer (for the admin API).
    fn step_outcome(&mut self, n: usize, step: &Step) -> (Entry, Outcome) {
        let call = describe(step);
        let op = self.operation(step);
        let actor = step.actor.clone().unwrap_or_else(|| "owner".to_string());
        let (req, outcome, sent, note) = self.apply(step, Request { actor, region: step.region.clone(), op });
        let p = self.door.provider();
        let (ok, error, rule, wire, detail) = match &outcome {
            Ok(out) => {
                self.remember(step, out);
                let detail = self.render_output(out);
                let detail = if sent > 1 { format!("{detail} in {sent} requests") } else { detail };
                (true, None, None, None, detail)
            }
            Err(f) => {
                let wire = p.spec().wire(f, req.op.action());
                let detail = if sent > 1 { format!("request {sent}: {}", f.message) } else { f.message.clone() };
                (false, Some(f.kind), f.rule, Some(wire), detail)
            }
        };
        // A disagreement on the wire must show in the transcript, so a snapshot catches it.
        let detail = match note {
            Some(n) => format!("{detail} [over HTTP: {n}]"),
            None => detail,
        };
        let broke = step.expect.for_provider(p).and_then(|want| {
            let met = match want {
                Want::Ok => ok,
                Want::Error => !ok,
                Want::Kind(k) => error == Some(k),
            };
            let got = error.map(|k| k.to_string()).unwrap_or_else(|| "ok".into());
            (!met).then(|| format!("expected {want}, got {got}"))
        });
        (Entry { step: n, line: step.line, call, ok, error, rule, wire, detail, broke, exchange: None }, outcome)
    }

    fn operation(&mut self, step: &Step) -> Operation {
        match &step.op {
            StepOp::CreateImage { name, region, visibility, encryption, kind, ready_after, description, from } => {
                Operation::CreateImage(NewImage {
                    name: name.clone(),
                    region: region.clone(),
                    visibility: *visibility,
                    encryption: *encryption,
                    kind: *kind,
                    ready_after: *ready_after,
                    description: description.clone(),
                    from: from.as_ref().map(|i| self.instance_id(i)),
                })
            }
            StepOp::Share { images, recipients, validity, description, permission, .. } => {
                let region = self.region_of(&images[0], &step.region);
                let recipients = self.recipients(recipients, &region);
                let options = ShareOptions {
                    validity: self.validity(*validity),
                    description: description.clone(),
                    permission: permission.clone(),
                };
                Operation::Share { images: images.iter().map(|i| self.image_id(i)).collect(), recipients, options }
            }
            StepOp::CancelShare { image, recipients } => {
                let region = self.region_of(image, &step.region);
                let recipients = self.recipients(recipients, &region);
                Operation::CancelShare { image: self.image_id(image), recipients }
            }
            StepOp::Accept { images } => {
                Operation::Accept { images: images.iter().map(|i| self.image_id(i)).collect() }
            }
            StepOp::Reject { images } => {
                Operation::Reject { images: images.iter().map(|i| self.image_id(i)).collect() }
            }
            StepOp::ListShares { image } => Operation::ListShares { image: self.image_id(image) },
            StepOp::ListSharedWithMe => Operation::ListSharedWithMe,
            StepOp::ListMyShared => Operation::ListMyShared,
            StepOp::Describe { image } => Operation::Describe { image: self.image_id(image) },
            StepOp::Modify { image, name, description } => {
                Operation::Modify { image: self.image_id(image), name: name.clone(), description: description.clone() }
            }
            StepOp::Delete { image } => Operation::Delete { image: self.image_id(image) },
            StepOp::Copy { image, to, name, own_key } => Operation::Copy {
                image: self.image_id(image),
                to_region: to.clone(),
                name: Some(name.clone()),
                own_key: *own_key,
            },
            StepOp::Launch { image, product, .. } => {
                Operation::Launch { image: self.image_id(image), product: *product }
            }
            StepOp::ReinitDisk { instance } => Operation::ReinitDisk { instance: self.instance_id(instance) },
            StepOp::ReplaceSystemDisk { instance, image } => {
                Operation::ReplaceSystemDisk { instance: self.instance_id(instance), image: self.image_id(image) }
            }
            StepOp::AuthorizeKey { image, recipient }
            | StepOp::RevokeKey { image, recipient }
            | StepOp::ModifyShare { image, recipient, .. } => {
                let region = self.region_of(image, &step.region);
                let recipient = self.recipients(std::slice::from_ref(recipient), &region).pop().unwrap_or_default();
                let image = self.image_id(image);
                match &step.op {
                    StepOp::AuthorizeKey { .. } => Operation::AuthorizeKey { image, recipient },
                    StepOp::RevokeKey { .. } => Operation::RevokeKey { image, recipient },
                    StepOp::ModifyShare { validity, description, permission, .. } => {
                        let options = ShareOptions {
                            validity: self.validity(*validity),
                            description: description.clone(),
                            permission: permission.clone(),
                        };
                        Operation::ModifyShare { image, recipient, options }
                    }
                    _ => unreachable!("matched above"),
                }
            }
            StepOp::Quota => Operation::Quota,
            StepOp::ShareToLighthouse { image } => Operation::ShareToLighthouse { image: self.image_id(image) },
            StepOp::ShareToCvm { image } => Operation::ShareToCvm { image: self.image_id(image) },
            StepOp::AdvanceClock { seconds } => Operation::AdvanceClock { seconds: *seconds },
            StepOp::Push { image, tag } => {
                let image = self.image_id(image);
                let sample = crate::wire::content::SampleImage::new(&image, tag);
                Operation::Push {
                    image,
                    blobs: sample.blobs(),
                    manifest: Some(sample.pushed()),
                    tag: Some(tag.clone()),
                }
            }
            StepOp::SetVisibility { image, public } => Operation::SetVisibility {
                image: self.image_id(image),
                visibility: if *public {
                    crate::engine::Visibility::Public
                } else {
                    crate::engine::Visibility::Private
                },
            },
        }
    }

    fn instance_id(&self, handle: &str) -> String {
        self.instances.get(handle).cloned().unwrap_or_else(|| format!("<{handle} was not launched>"))
    }

    fn remember(&mut self, step: &Step, out: &Output) {
        match (&step.op, out) {
            (StepOp::CreateImage { name, .. }, Output::ImageCreated { image, .. })
            | (StepOp::Copy { name, .. }, Output::Copied { image, .. }) => {
                self.images.insert(name.clone(), image.clone());
                self.names.insert(image.clone(), name.clone());
            }
            (StepOp::Launch { instance: Some(handle), .. }, Output::Launched { instance }) => {
                self.instances.insert(handle.clone(), instance.clone());
                self.names.insert(instance.clone(), handle.clone());
            }
            _ => {}
        }
    }

    fn accounts(&self, ids: &[String]) -> String {
        let names: Vec<String> = ids.iter().map(|i| self.account_of(i)).collect();
        summarize(&names)
    }

    fn render_output(&self, out: &Output) -> String {
        let status = |s: ShareStatus| match s {
            ShareStatus::Active => "",
            ShareStatus::Pending => " (pending)",
            ShareStatus::Accepted => " (accepted)",
            ShareStatus::Rejected => " (rejected)",
        };
        match out {
            Output::ImageCreated { image, region } | Output::Copied { image, region } => {
                format!("{} = {image} in {region}", self.handle(image))
            }
            Output::Shared { added, unchanged } => {
                let mut s = if added.is_empty() {
                    "nobody new".to_string()
                } else {
                    format!("shared with {}", self.accounts(added))
                };
                if !unchanged.is_empty() {
                    let _ = write!(s, "; already shared with {}", self.accounts(unchanged));
                }
                s
            }
            Output::Unshared { removed, absent } => {
                let mut s = if removed.is_empty() {
                    "no one removed".to_string()
                } else {
                    format!("removed {}", self.accounts(removed))
                };
                if !absent.is_empty() {
                    let _ = write!(s, "; not shared with {}", self.accounts(absent));
                }
                s
            }
            Output::StatusSet { images, status: st } => {
                let names: Vec<String> = images.iter().map(|i| self.handle(i)).collect();
                format!("{}{}", names.join(", "), status(*st))
            }
            Output::Members { members } => {
                if members.is_empty() {
                    return "no members".into();
                }
                let items: Vec<String> = members
                    .iter()
                    .map(|m| {
                        let mut s = format!("{}{}", m.account, status(m.status));
                        if let Some(t) = &m.valid_until {
                            let _ = write!(s, " until {t}");
                        }
                        if !m.valid {
                            s.push_str(" expired");
                        }
                        s
                    })
                    .collect();
                format!("{} member(s): {}", members.len(), summarize(&items))
            }
            Output::SharedWithMe { images } => {
                if images.is_empty() {
                    return "nothing shared with me".into();
                }
                let items: Vec<String> = images
                    .iter()
                    .map(|i| {
                        let mut s = format!("{} from {}{}", self.handle(&i.image), i.owner, status(i.status));
                        if !i.valid {
                            s.push_str(" expired");
                        }
                        s
                    })
                    .collect();
                items.join(", ")
            }
            Output::MyShared { images } => {
                if images.is_empty() {
                    return "nothing shared".into();
                }
                images
                    .iter()
                    .map(|i| format!("{} ({} member(s))", self.handle(&i.image), i.members))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            Output::Images { images } => {
                let names: Vec<String> = images.iter().map(|i| self.handle(&i.id)).collect();
                if names.is_empty() { "no images".into() } else { names.join(", ") }
            }
            Output::Image { image } => format!(
                "{} owned by {}, {}, held as {}",
                self.handle(&image.id),
                image.owner,
                image.state,
                image.held_as
            ),
            Output::Done => "done".into(),
            Output::Launched { instance } => format!("instance {}", self.handle(instance)),
            Output::Pulled { image } => format!("pulled {}", self.handle(image)),
            Output::Pushed { image, tag, digest } => match (tag, digest) {
                (Some(tag), Some(digest)) => format!("pushed {}:{tag} = {digest}", self.handle(image)),
                (None, Some(digest)) => format!("pushed {}@{digest}", self.handle(image)),
                _ => format!("may push to {}", self.handle(image)),
            },
            Output::DiskReset { instance, image } => {
                format!("{} rebuilt from {}", self.handle(instance), self.handle(image))
            }
            Output::Quota { used, limit } => format!("{used} of {limit} images"),
            Output::Clock { now } => format!("now {now}"),
            Output::Instances { instances } => {
                let items: Vec<String> =
                    instances.iter().map(|i| format!("{} ({})", self.handle(&i.id), i.state)).collect();
                if items.is_empty() { "no instances".into() } else { summarize(&items) }
            }
            Output::KeyGrants { key, grantees } => {
                if grantees.is_empty() {
                    format!("key {key} authorized to nobody")
                } else {
                    format!("key {key} authorized to {}", summarize(grantees))
                }
            }
        }
    }
}

fn join_notes(notes: Vec<String>) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// A list of names, shortened when long: `crowd1, crowd2, … crowd50 (50)`.
fn summarize(names: &[String]) -> String {
    if names.len() <= 6 {
        names.join(", ")
    } else {
        format!("{}, {}, … {} ({})", names[0], names[1], names[names.len() - 1], names.len())
    }
}

fn recipients_text(list: &[Recipient]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|r| match r {
            Recipient::Account { name, form, region } => {
                let mut s = name.clone();
                if let Some(k) = form {
                    let _ = write!(s, " by {}", k.label());
                }
                if let Some(r) = region {
                    let _ = write!(s, " in {r}");
                }
                s
            }
            Recipient::Raw(raw) => format!("\"{raw}\""),
            Recipient::Crowd { from, to } if from == to => crowd_name(*from),
            Recipient::Crowd { from, to } => format!("{}..{} ({})", crowd_name(*from), crowd_name(*to), to - from + 1),
        })
        .collect();
    parts.join(", ")
}

fn validity_text(v: &Option<ValiditySpec>) -> String {
    match v {
        None => String::new(),
        Some(ValiditySpec::Forever) => " valid forever".into(),
        Some(ValiditySpec::For(s)) => format!(" valid for {s}s"),
        Some(ValiditySpec::At(t)) => format!(" valid until {}", iso8601(*t)),
    }
}

/// The step in words, the same on every provider.
pub fn describe(step: &Step) -> String {
    let actor = step.actor.as_deref().unwrap_or("-");
    let mut s = format!("{actor}: {}", step.op.keyword());
    let _ = match &step.op {
        StepOp::CreateImage { name, region, visibility, encryption, kind, ready_after, from, .. } => {
            let mut extra = Vec::new();
            if let Some(instance) = from {
                extra.push(format!("from {instance}"));
            }
            if *visibility != Default::default() {
                extra.push(format!("{visibility:?}").to_lowercase());
            }
            if *encryption != Default::default() {
                extra.push(format!(
                    "encrypted with {}",
                    serde_json::to_value(encryption)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ));
            }
            if *kind != Default::default() {
                extra.push(format!("{kind:?}").to_lowercase());
            }
            if *ready_after > 0 {
                extra.push(format!("ready after {ready_after}s"));
            }
            let extra = if extra.is_empty() { String::new() } else { format!(" ({})", extra.join(", ")) };
            if region.is_empty() { write!(s, " {name}{extra}") } else { write!(s, " {name} in {region}{extra}") }
        }
        StepOp::Share { images, recipients, validity, description, permission, batch } => {
            let mut t =
                format!(" {} with {}{}", images.join(", "), recipients_text(recipients), validity_text(validity));
            if let Some(d) = description {
                let _ = write!(t, " description ({} chars)", d.chars().count());
            }
            if let Some(p) = permission {
                let _ = write!(t, " permission {p}");
            }
            if let Some(b) = batch {
                let _ = write!(t, " in requests of {b}");
            }
            write!(s, "{t}")
        }
        StepOp::CancelShare { image, recipients } => write!(s, " {image} with {}", recipients_text(recipients)),
        StepOp::Accept { images } | StepOp::Reject { images } => write!(s, " {}", images.join(", ")),
        StepOp::ListShares { image }
        | StepOp::Describe { image }
        | StepOp::Delete { image }
        | StepOp::ShareToLighthouse { image }
        | StepOp::ShareToCvm { image } => write!(s, " {image}"),
        StepOp::ListSharedWithMe | StepOp::ListMyShared | StepOp::Quota => Ok(()),
        StepOp::Modify { image, name, description } => {
            let what: Vec<&str> = [name.as_ref().map(|_| "name"), description.as_ref().map(|_| "description")]
                .into_iter()
                .flatten()
                .collect();
            write!(s, " {image} ({})", what.join(", "))
        }
        StepOp::Copy { image, to, name, own_key } => {
            write!(s, " {image} to {to} as {name}{}", if *own_key { " with own key" } else { "" })
        }
        StepOp::Launch { image, instance, product } => {
            let p =
                if *product == Default::default() { String::new() } else { format!(" on {product:?}").to_lowercase() };
            write!(s, " {image}{p}{}", instance.as_ref().map(|i| format!(" as {i}")).unwrap_or_default())
        }
        StepOp::ReinitDisk { instance } => write!(s, " {instance}"),
        StepOp::ReplaceSystemDisk { instance, image } => write!(s, " {instance} from {image}"),
        StepOp::AuthorizeKey { image, recipient } | StepOp::RevokeKey { image, recipient } => {
            write!(s, " of {image} to {}", recipients_text(std::slice::from_ref(recipient)))
        }
        StepOp::ModifyShare { image, recipient, validity, description, permission } => {
            write!(
                s,
                " {image} with {}{}{}{}",
                recipients_text(std::slice::from_ref(recipient)),
                validity_text(validity),
                description.as_ref().map(|_| " new description").unwrap_or(""),
                permission.as_ref().map(|p| format!(" permission {p}")).unwrap_or_default()
            )
        }
        StepOp::AdvanceClock { seconds } => write!(s, " by {seconds}s"),
        StepOp::SetVisibility { image, public } => {
            write!(s, " {image} {}", if *public { "public" } else { "private" })
        }
        StepOp::Push { image, tag } => write!(s, " {image}:{tag}"),
    };
    if let Some(r) = &step.region {
        let _ = write!(s, " (called in {r})");
    }
    s
}
