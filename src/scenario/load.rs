//! Reading a scenario file: YAML → [`ScenarioDoc`] → checked [`Scenario`]. Every error names the
//! file, line and column, says what is wrong, and where it can, how to fix it.

use std::collections::{BTreeMap, BTreeSet};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde_saphyr::{Location, Spanned};

use super::format::*;
use super::model::*;
use crate::engine::{ErrorKind, Settings};
use crate::providers::Provider;
use crate::rules::IdentityKind;

/// What kind of mistake a scenario file holds; stable, so tests and tools can match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Not YAML, or not the shape of a scenario.
    Syntax,
    UnknownStep,
    UnknownField,
    WrongType,
    DuplicateKey,
    MissingField,
    /// A step with no operation, or with two.
    StepShape,
    UndefinedAccount,
    UndefinedImage,
    UndefinedInstance,
    DuplicateName,
    UnknownRule,
    UnknownProvider,
    UnknownRegion,
    BadValue,
    /// The file could not be read.
    Io,
}

impl ErrorCode {
    /// What the underlined text is, in words (the label under it when miette draws the line).
    pub fn label(self) -> &'static str {
        match self {
            ErrorCode::Syntax => "not a scenario's YAML",
            ErrorCode::UnknownStep => "no such step",
            ErrorCode::UnknownField => "no such field here",
            ErrorCode::WrongType => "wrong kind of value",
            ErrorCode::DuplicateKey => "given twice",
            ErrorCode::MissingField => "a field is missing",
            ErrorCode::StepShape => "one operation per step",
            ErrorCode::UndefinedAccount => "no such account",
            ErrorCode::UndefinedImage => "no such image yet",
            ErrorCode::UndefinedInstance => "no such instance yet",
            ErrorCode::DuplicateName => "name already taken",
            ErrorCode::UnknownRule => "no such rule",
            ErrorCode::UnknownProvider => "no such provider",
            ErrorCode::UnknownRegion => "no such region",
            ErrorCode::BadValue => "value not allowed",
            ErrorCode::Io => "cannot be read",
        }
    }
}

/// A mistake in a scenario file, rendered by miette with the offending line. Its one-line form
/// is `file:line:column: message`, or `file: message` when no place in the file is at fault.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", self.one_line())]
pub struct ScenarioError {
    pub code: ErrorCode,
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    #[help]
    pub hint: Option<String>,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{code_label}")]
    span: Option<SourceSpan>,
    code_label: String,
}

impl ScenarioError {
    fn new(
        code: ErrorCode,
        file: &str,
        text: &str,
        line: u64,
        column: u64,
        message: String,
        hint: Option<String>,
    ) -> Self {
        let span = byte_offset(text, line, column).map(|o| SourceSpan::from((o, token_len(text, o))));
        ScenarioError {
            code,
            file: file.to_string(),
            line,
            column,
            message,
            hint,
            source_code: NamedSource::new(file, text.to_string()),
            span,
            code_label: code.label().to_string(),
        }
    }

    /// `file:line:column: message`, without a position that would be `0:0`.
    fn one_line(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.file, self.message)
        } else {
            format!("{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }

    /// An error that is not about a place in the file (it could not be read).
    pub fn io(file: &str, message: String) -> Self {
        ScenarioError::new(ErrorCode::Io, file, "", 0, 0, message, None)
    }
}

/// A scenario file's bytes: text that is not UTF-8 is a syntax error at the first bad byte,
/// with its line and column, like any other mistake in the file.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Scenario, ScenarioError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(file, text),
        Err(e) => {
            let good = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
            let line = good.matches('\n').count() as u64 + 1;
            let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
            let message = format!("byte 0x{byte:02x} is not UTF-8 text: a scenario file is UTF-8 YAML");
            Err(ScenarioError::new(ErrorCode::Syntax, file, &good, line, column, message, None))
        }
    }
}

/// Byte offset of a 1-based (line, column-in-characters) position.
fn byte_offset(text: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let start: usize = text.split_inclusive('\n').take(line as usize - 1).map(str::len).sum();
    let rest = text.get(start..)?;
    let col = rest.char_indices().nth(column.saturating_sub(1) as usize).map_or(rest.len(), |(i, _)| i);
    Some((start + col).min(text.len()))
}

/// Length of the token at `at`, for the label underline.
fn token_len(text: &str, at: usize) -> usize {
    text[at..].find(['\n', ',', '}', ']']).unwrap_or(text.len() - at).clamp(1, 60)
}

/// Every step keyword, for hints.
pub const STEP_KEYWORDS: &[&str] = &[
    "create_image",
    "share",
    "cancel_share",
    "accept",
    "reject",
    "list_shares",
    "list_shared_with_me",
    "list_my_shared",
    "describe",
    "modify",
    "delete_image",
    "copy_image",
    "launch",
    "pull",
    "reinit_disk",
    "replace_system_disk",
    "authorize_key",
    "revoke_key",
    "modify_share",
    "quota",
    "share_to_lighthouse",
    "share_to_cvm",
    "advance_clock",
    "set_visibility",
    "push",
];

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Turns a serde-saphyr error into ours, with a code and a hint.
fn from_yaml(file: &str, text: &str, e: serde_saphyr::Error) -> ScenarioError {
    let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    let (code, hint) = if let Some(rest) = msg.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        if msg.contains("create_image") {
            let hint = did_you_mean(field, STEP_KEYWORDS.iter().copied())
                .unwrap_or_else(|| format!("steps are: {}", STEP_KEYWORDS.join(", ")));
            (ErrorCode::UnknownStep, Some(hint))
        } else {
            let expected = msg.split("expected one of ").nth(1).unwrap_or("");
            let names: Vec<&str> = expected.split(", ").map(|s| s.trim_matches('`')).collect();
            (ErrorCode::UnknownField, did_you_mean(field, names).or(Some(format!("allowed here: {expected}"))))
        }
    } else if msg.starts_with("duplicate mapping key") {
        (ErrorCode::DuplicateKey, Some("each key may appear once; a step holds one operation".into()))
    } else if msg.starts_with("missing field") {
        (ErrorCode::MissingField, None)
    } else if msg.starts_with("budget breached") {
        let hint = "scenario files are limited to one document, 1,000 aliases, depth 32 and 4 MiB of text";
        (ErrorCode::Syntax, Some(hint.to_string()))
    } else if msg.starts_with("unknown variant") {
        (ErrorCode::BadValue, None)
    } else if msg.starts_with("invalid") || msg.starts_with("expected") || msg.contains("did not match any variant") {
        (ErrorCode::WrongType, None)
    } else {
        (ErrorCode::Syntax, None)
    };
    let msg = msg.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    let (msg, hint) = in_words(&msg, code, text, hint);
    ScenarioError::new(code, file, text, line, column, msg, hint)
}

/// The YAML reader's message in a scenario writer's words: what was expected and what to
/// write instead, never the parser's internal names (`mapping start`, `Aliases { … }`).
fn in_words(msg: &str, code: ErrorCode, text: &str, hint: Option<String>) -> (String, Option<String>) {
    let hint_or = |h: &str| hint.clone().or_else(|| Some(h.to_string()));
    if code == ErrorCode::UnknownStep
        && let Some(word) = msg.strip_prefix("unknown field `").and_then(|r| r.split('`').next())
    {
        return (format!("there is no step `{word}`"), hint);
    }
    if code == ErrorCode::UnknownField
        && let Some((head, _)) = msg.split_once(", expected one of")
    {
        return (head.replace("unknown field", "no field"), hint);
    }
    if let Some(key) = msg.strip_prefix("duplicate mapping key: ") {
        return (format!("`{key}` is given twice in one mapping"), hint);
    }
    if let Some(breach) = msg.strip_prefix("budget breached: ") {
        let what = breach.split([' ', '{']).next().unwrap_or_default();
        let said = match what {
            "Documents" => "a scenario file holds one YAML document; this one has a second (`---`)",
            "Aliases" | "Anchors" => "the file uses more than 1,000 YAML aliases or anchors",
            "Depth" | "InclusionDepth" => "the file nests deeper than 32 levels",
            _ => "the file is larger than a scenario may be",
        };
        return (said.to_string(), hint);
    }
    let said = match msg {
        "expected mapping start" => {
            return (
                "expected `key: value` pairs here, not a single value or a list".into(),
                hint_or("a step is written `- create_image: { as: owner, name: base }`"),
            );
        }
        "expected sequence start" => "expected a list here: `[a, b]`, or lines that start with `- `",
        "expected string scalar" => "expected a single value (a name or text) here, not a list or `key: value` pairs",
        "unexpected end of input" if text.trim().is_empty() => {
            return (
                "the file is empty".into(),
                hint_or("a scenario has at least `name:`, `accounts:` and `steps:`; see `sharesim schema`"),
            );
        }
        m if m.starts_with("invalid u") || m.starts_with("invalid i") => "expected a whole number here",
        m if m.starts_with("tabs disallowed") => "a tab indents this line; YAML indents with spaces only",
        _ => return (msg.to_string(), hint),
    };
    (said.to_string(), hint)
}

/// Limits that keep a hostile file from exhausting memory.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_nodes: 200_000,
            max_total_scalar_bytes: 4 * 1024 * 1024,
            max_documents: 1,
            max_aliases: 1_000,
            max_anchors: 1_000,
        },
    }
}

/// Crowd accounts are named `crowd1`…; declared accounts may not look like them.
pub const CROWD_PREFIX: &str = crate::world::CROWD_ACCOUNT_PREFIX;
/// The most crowd accounts a scenario may use: enough for SWR's 500 and a margin.
pub const CROWD_MAX: u32 = 2_000;

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    /// Checking one step against a running server (`POST /_sharesim/apply`), whose images were
    /// made before the request, not by earlier steps: only the wording differs.
    running: bool,
    accounts: BTreeSet<String>,
    images: BTreeSet<String>,
    instances: BTreeSet<String>,
    /// The highest crowd account any step needs (a Cell so lookups can raise it).
    crowd: std::cell::Cell<u32>,
}

impl Checker<'_> {
    fn err(&self, code: ErrorCode, at: &Location, message: impl Into<String>, hint: Option<String>) -> ScenarioError {
        ScenarioError::new(code, self.file, self.text, at.line(), at.column(), message.into(), hint)
    }

    fn account(&self, name: &Spanned<String>) -> Result<String, ScenarioError> {
        if self.accounts.contains(&name.value) {
            return Ok(name.value.clone());
        }
        if let Some(i) = crowd_index(&name.value).filter(|i| *i <= CROWD_MAX) {
            self.crowd.set(self.crowd.get().max(i));
            return Ok(name.value.clone());
        }
        let hint = did_you_mean(&name.value, self.accounts.iter().map(String::as_str))
            .or_else(|| Some(format!("declare it under `accounts:` (declared: {})", self.list(&self.accounts))));
        Err(self.err(
            ErrorCode::UndefinedAccount,
            &name.referenced,
            format!("account `{}` is not declared", name.value),
            hint,
        ))
    }

    fn image(&self, name: &Spanned<String>) -> Result<String, ScenarioError> {
        if self.images.contains(&name.value) {
            return Ok(name.value.clone());
        }
        let hint = did_you_mean(&name.value, self.images.iter().map(String::as_str)).or_else(|| {
            Some(if self.images.is_empty() {
                "create it first with `create_image` (or `copy_image`)".to_string()
            } else {
                format!("images created so far: {}", self.list(&self.images))
            })
        });
        let message = if self.running {
            format!("this server has no image named `{}` (by its name or its ID)", name.value)
        } else {
            format!("image `{}` is not created by an earlier step", name.value)
        };
        Err(self.err(ErrorCode::UndefinedImage, &name.referenced, message, hint))
    }

    fn instance(&self, name: &Spanned<String>) -> Result<String, ScenarioError> {
        // On a running server an instance is named by its ID; the engine answers an unknown one.
        if self.instances.contains(&name.value) || (self.running && !name.value.trim().is_empty()) {
            return Ok(name.value.clone());
        }
        let (message, hint) = if self.running {
            ("the instance is empty".to_string(), "give the ID a launch answered with".to_string())
        } else {
            (
                format!("instance `{}` is not launched by an earlier step", name.value),
                "name the instance in an earlier `launch` with `instance: <name>`".to_string(),
            )
        };
        Err(self.err(ErrorCode::UndefinedInstance, &name.referenced, message, Some(hint)))
    }

    fn region(&self, r: &Spanned<String>) -> Result<String, ScenarioError> {
        if crate::providers::REGION_NAMES.contains(&r.value.as_str()) {
            return Ok(r.value.clone());
        }
        let hint = Some(format!(
            "scenarios use abstract regions: {} (each provider maps them to its own region IDs)",
            crate::providers::REGION_NAMES.join(", ")
        ));
        Err(self.err(ErrorCode::UnknownRegion, &r.referenced, format!("unknown region `{}`", r.value), hint))
    }

    fn opt_region(&self, r: &Option<Spanned<String>>) -> Result<Option<String>, ScenarioError> {
        r.as_ref().map(|r| self.region(r)).transpose()
    }

    fn list(&self, set: &BTreeSet<String>) -> String {
        set.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
    }

    fn new_name(&self, set: &BTreeSet<String>, name: &Spanned<String>, what: &str) -> Result<String, ScenarioError> {
        if name.value.trim().is_empty() {
            return Err(self.err(ErrorCode::BadValue, &name.referenced, format!("{what} name is empty"), None));
        }
        if set.contains(&name.value) {
            return Err(self.err(
                ErrorCode::DuplicateName,
                &name.referenced,
                format!("{what} `{}` already exists", name.value),
                Some("pick another name".into()),
            ));
        }
        Ok(name.value.clone())
    }

    fn images_of(
        &self,
        at: &Location,
        one: &Option<Spanned<String>>,
        many: &Option<Vec<Spanned<String>>>,
    ) -> Result<Vec<String>, ScenarioError> {
        match (one, many) {
            (Some(i), None) => Ok(vec![self.image(i)?]),
            (None, Some(list)) if !list.is_empty() => list.iter().map(|i| self.image(i)).collect(),
            (Some(_), Some(_)) => Err(self.err(ErrorCode::StepShape, at, "give `image` or `images`, not both", None)),
            _ => Err(self.err(
                ErrorCode::MissingField,
                at,
                "missing field `image`",
                Some("name the image with `image: <name>` (or `images: [...]`)".into()),
            )),
        }
    }

    fn recipient(&mut self, at: &Location, r: &RecipientDoc) -> Result<Vec<Recipient>, ScenarioError> {
        let account =
            |c: &Checker, name: &str| c.account(&Spanned { value: name.to_string(), referenced: *at, defined: *at });
        match r {
            RecipientDoc::Account(name) => Ok(vec![Recipient::Account { name: account(self, name)?, form: None, region: None }]),
            RecipientDoc::Detailed(d) => match (&d.account, &d.raw, &d.crowd) {
                (Some(name), None, None) => {
                    let form = match &d.form {
                        None => None,
                        Some(f) => Some(parse_form(f).ok_or_else(|| {
                            self.err(ErrorCode::BadValue, at, format!("unknown identity form `{f}`"), Some(format!("forms: {}", FORMS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))))
                        })?),
                    };
                    let region = match &d.region {
                        None => None,
                        Some(r) => Some(self.region(&Spanned { value: r.clone(), referenced: *at, defined: *at })?),
                    };
                    Ok(vec![Recipient::Account { name: account(self, name)?, form, region }])
                }
                (None, Some(raw), None) if d.form.is_none() && d.region.is_none() => Ok(vec![Recipient::Raw(raw.clone())]),
                (None, None, Some(c)) if d.form.is_none() && d.region.is_none() => {
                    let (from, to) = parse_crowd(c).ok_or_else(|| {
                        self.err(ErrorCode::BadValue, at, "a crowd is a count (`crowd: 50`) or a range (`crowd: \"51..60\"`)", Some(format!("at most {CROWD_MAX} crowd accounts, numbered from 1")))
                    })?;
                    self.crowd.set(self.crowd.get().max(to));
                    Ok(vec![Recipient::Crowd { from, to }])
                }
                _ => Err(self.err(ErrorCode::BadValue, at, "a recipient is an account name, or one of `account:` (with optional `form:`/`region:`), `raw:` or `crowd:`", None)),
            },
        }
    }

    fn recipients(&mut self, r: &Spanned<RecipientsDoc>) -> Result<Vec<Recipient>, ScenarioError> {
        let list: Vec<RecipientDoc> = match &r.value {
            RecipientsDoc::One(one) => vec![one.clone()],
            RecipientsDoc::Many(many) => many.clone(),
        };
        if list.is_empty() {
            return Err(self.err(ErrorCode::BadValue, &r.referenced, "`with` names no recipient", None));
        }
        let mut out = Vec::new();
        for one in &list {
            out.extend(self.recipient(&r.referenced, one)?);
        }
        Ok(out)
    }

    fn validity(&self, v: &Option<Spanned<ValidityDoc>>) -> Result<Option<ValiditySpec>, ScenarioError> {
        let Some(v) = v else { return Ok(None) };
        match &v.value {
            ValidityDoc::Seconds(s) => Ok(Some(ValiditySpec::For(*s))),
            ValidityDoc::Text(t) if t == "forever" => Ok(Some(ValiditySpec::Forever)),
            ValidityDoc::Text(t) => crate::clock::parse_checked(t).map(|s| Some(ValiditySpec::At(s))).map_err(|why| {
                self.err(
                    ErrorCode::BadValue,
                    &v.referenced,
                    format!("`{t}` is not a validity: {why}"),
                    Some("use `forever`, a number of seconds from now, or a time like 2026-02-01T00:00:00Z".into()),
                )
            }),
        }
    }
}

/// Identity forms a scenario may ask for.
pub(super) const FORMS: &[(&str, IdentityKind)] = &[
    ("pin", IdentityKind::Pin),
    ("account_id", IdentityKind::AccountId),
    ("phone", IdentityKind::Phone),
    ("root_account_id", IdentityKind::RootAccountId),
    ("sub_account_id", IdentityKind::SubAccountId),
    ("app_id", IdentityKind::AppId),
    ("project_id", IdentityKind::ProjectId),
    ("domain_id", IdentityKind::DomainId),
    ("account_name", IdentityKind::AccountName),
    ("login_email", IdentityKind::LoginEmail),
];

fn parse_form(s: &str) -> Option<IdentityKind> {
    FORMS.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
}

fn crowd_index(name: &str) -> Option<u32> {
    let n = name.strip_prefix(CROWD_PREFIX)?;
    if n.starts_with('0') { None } else { n.parse().ok() }
}

fn parse_crowd(c: &CrowdDoc) -> Option<(u32, u32)> {
    let (from, to) = match c {
        CrowdDoc::Count(n) => (1, *n),
        CrowdDoc::Range(r) => {
            let (a, b) = r.split_once("..")?;
            (a.trim().parse().ok()?, b.trim().parse().ok()?)
        }
    };
    (from >= 1 && from <= to && to <= CROWD_MAX).then_some((from, to))
}

/// Canonical error names, for `expect`.
fn parse_want(s: &str) -> Option<Want> {
    match s {
        "ok" => Some(Want::Ok),
        "error" => Some(Want::Error),
        _ => ErrorKind::ALL.iter().find(|k| format!("{k:?}") == s).map(|k| Want::Kind(*k)),
    }
}

fn all_rule_ids() -> impl Iterator<Item = &'static str> {
    Provider::ALL.into_iter().flat_map(|p| p.spec().rules.iter().map(|r| r.id))
}

/// Parses and checks a scenario. `file` is used in messages and to name its snapshot.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let doc: ScenarioDoc =
        serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| from_yaml(file, text, e))?;
    let mut c = Checker {
        file,
        text,
        running: false,
        accounts: BTreeSet::new(),
        images: BTreeSet::new(),
        instances: BTreeSet::new(),
        crowd: std::cell::Cell::new(0),
    };

    if doc.name.value.trim().is_empty() {
        return Err(c.err(ErrorCode::BadValue, &doc.name.referenced, "the scenario's name is empty", None));
    }
    for r in &doc.rules {
        if !all_rule_ids().any(|id| id == r.value) {
            return Err(c.err(
                ErrorCode::UnknownRule,
                &r.referenced,
                format!("no provider has a rule `{}`", r.value),
                did_you_mean(&r.value, all_rule_ids()).or(Some("`sharesim policies` lists every rule".into())),
            ));
        }
    }
    let provider_names = || Provider::ALL.iter().map(|p| p.name());
    let unknown_provider = |c: &Checker, at: &Location, name: &str| {
        c.err(
            ErrorCode::UnknownProvider,
            at,
            format!("unknown provider `{name}`"),
            did_you_mean(name, provider_names())
                .or(Some(format!("providers: {}", provider_names().collect::<Vec<_>>().join(", ")))),
        )
    };
    let providers = match &doc.providers {
        None => Provider::ALL.to_vec(),
        Some(p) => match &p.value {
            ProvidersDoc::All(s) if s == "all" => Provider::ALL.to_vec(),
            ProvidersDoc::All(s) => vec![Provider::parse(s).ok_or_else(|| unknown_provider(&c, &p.referenced, s))?],
            ProvidersDoc::List(list) if !list.is_empty() => {
                let mut out = Vec::new();
                for s in list {
                    let prov = Provider::parse(s).ok_or_else(|| unknown_provider(&c, &p.referenced, s))?;
                    if !out.contains(&prov) {
                        out.push(prov);
                    }
                }
                out.sort();
                out
            }
            ProvidersDoc::List(_) => {
                return Err(c.err(
                    ErrorCode::BadValue,
                    &p.referenced,
                    "`providers` is empty",
                    Some("use `all` or name at least one provider".into()),
                ));
            }
        },
    };
    if doc.accounts.value.is_empty() {
        return Err(c.err(
            ErrorCode::BadValue,
            &doc.accounts.referenced,
            "a scenario declares at least one account",
            Some("add `accounts: [owner, alice]`".into()),
        ));
    }
    let mut accounts = Vec::new();
    for a in &doc.accounts.value {
        let name = c.new_name(&c.accounts, a, "account")?;
        if crowd_index(&name).is_some() {
            return Err(c.err(
                ErrorCode::BadValue,
                &a.referenced,
                format!("`{name}` is reserved for crowd accounts"),
                Some("crowd accounts are made by `with: {crowd: N}`".into()),
            ));
        }
        if !crate::engine::valid_account_name(&name) {
            return Err(c.err(
                ErrorCode::BadValue,
                &a.referenced,
                format!("account name `{name}` must be letters, digits, `-`, `_` or `.`"),
                None,
            ));
        }
        c.accounts.insert(name.clone());
        accounts.push(name);
    }
    let mut settings = BTreeMap::new();
    if let Some(s) = &doc.settings {
        for (name, v) in &s.value {
            let p = Provider::parse(name).ok_or_else(|| unknown_provider(&c, &s.referenced, name))?;
            // A setting tunes a rule's figure; where the provider has no such rule it would do nothing.
            let pol = p.policy();
            for (set, has_rule, what) in [
                (v.listing_delay.is_some(), pol.listing_delay.is_some(), "listing_delay"),
                (v.image_quota.is_some(), pol.image_quota.is_some(), "image_quota"),
                (v.share_limit.is_some(), pol.share_limit.is_some(), "share_limit"),
                (v.blob_limit.is_some(), pol.layer_size.is_some(), "blob_limit"),
                (v.repository_limit.is_some(), pol.repository_size.is_some(), "repository_limit"),
            ] {
                if set && !has_rule {
                    return Err(c.err(
                        ErrorCode::BadValue,
                        &s.referenced,
                        format!("{} has no rule that `{what}` could tune", p.spec().title),
                        Some(format!("`sharesim explain {}` lists its rules", p.name())),
                    ));
                }
            }
            settings.insert(
                p,
                Settings {
                    share_limit: v.share_limit,
                    listing_delay: v.listing_delay,
                    image_quota: v.image_quota,
                    blob_limit: v.blob_limit,
                    repository_limit: v.repository_limit,
                },
            );
        }
    }
    if doc.steps.value.is_empty() {
        return Err(c.err(ErrorCode::BadValue, &doc.steps.referenced, "a scenario has at least one step", None));
    }
    let mut steps = Vec::new();
    for s in &doc.steps.value {
        steps.push(check_step(&mut c, s, &providers)?);
    }
    Ok(Scenario {
        path: file.to_string(),
        name: doc.name.value,
        about: doc.about.trim().to_string(),
        rules: doc.rules.into_iter().map(|r| r.value).collect(),
        providers,
        accounts,
        crowd: c.crowd.get(),
        settings,
        steps,
    })
}

/// What a running server holds, by the names a step may use: its accounts, and its images by
/// name and by ID. Instances are named by ID and not checked here: the engine answers an
/// unknown one as the provider would.
#[derive(Debug, Default, Clone)]
pub struct Known {
    pub accounts: BTreeSet<String>,
    pub images: BTreeSet<String>,
}

/// One step on its own, in the form a scenario's steps take (JSON is YAML too), checked
/// against what a running server holds: the body of `POST /_sharesim/apply`. Errors name
/// `file` (e.g. `request body`) with the line and column in `text`.
pub fn parse_step(file: &str, text: &str, provider: Provider, known: &Known) -> Result<Step, ScenarioError> {
    let doc: Spanned<StepDoc> =
        serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| from_yaml(file, text, e))?;
    let mut c = Checker {
        file,
        text,
        running: true,
        accounts: known.accounts.clone(),
        images: known.images.clone(),
        instances: BTreeSet::new(),
        crowd: std::cell::Cell::new(0),
    };
    check_step(&mut c, &doc, &[provider])
}

fn check_step(c: &mut Checker, s: &Spanned<StepDoc>, providers: &[Provider]) -> Result<Step, ScenarioError> {
    let at = &s.referenced;
    let d = &s.value;
    let present: Vec<&str> = [
        ("create_image", d.create_image.is_some()),
        ("share", d.share.is_some()),
        ("cancel_share", d.cancel_share.is_some()),
        ("accept", d.accept.is_some()),
        ("reject", d.reject.is_some()),
        ("list_shares", d.list_shares.is_some()),
        ("list_shared_with_me", d.list_shared_with_me.is_some()),
        ("list_my_shared", d.list_my_shared.is_some()),
        ("describe", d.describe.is_some()),
        ("modify", d.modify.is_some()),
        ("delete_image", d.delete_image.is_some()),
        ("copy_image", d.copy_image.is_some()),
        ("launch", d.launch.is_some()),
        ("pull", d.pull.is_some()),
        ("reinit_disk", d.reinit_disk.is_some()),
        ("replace_system_disk", d.replace_system_disk.is_some()),
        ("authorize_key", d.authorize_key.is_some()),
        ("revoke_key", d.revoke_key.is_some()),
        ("modify_share", d.modify_share.is_some()),
        ("quota", d.quota.is_some()),
        ("share_to_lighthouse", d.share_to_lighthouse.is_some()),
        ("share_to_cvm", d.share_to_cvm.is_some()),
        ("advance_clock", d.advance_clock.is_some()),
        ("set_visibility", d.set_visibility.is_some()),
        ("push", d.push.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, on)| on.then_some(k))
    .collect();
    match present.len() {
        0 => {
            return Err(c.err(
                ErrorCode::StepShape,
                at,
                "this step has no operation",
                Some(format!("start the step with one of: {}", STEP_KEYWORDS.join(", "))),
            ));
        }
        1 => {}
        _ => {
            return Err(c.err(
                ErrorCode::StepShape,
                at,
                format!("this step has {} operations ({}); a step holds one", present.len(), present.join(", ")),
                Some("split it into one step per operation".into()),
            ));
        }
    }
    let expect = check_expect(c, &d.expect, providers)?;
    let note = d.note.clone();
    let simple = |c: &Checker, a: &ActorArgs| -> Result<(Option<String>, Option<String>), ScenarioError> {
        Ok((Some(c.account(&a.actor)?), c.opt_region(&a.region)?))
    };

    let (actor, region, op) = if let Some(a) = &d.create_image {
        let name = c.new_name(&c.images, &a.name, "image")?;
        let from = a.from.as_ref().map(|i| c.instance(i)).transpose()?;
        // Made from an instance, the image is where the instance is unless the step says.
        let region = match (&a.region, &from) {
            (Some(r), _) => c.region(r)?,
            (None, Some(_)) => String::new(),
            (None, None) => "home".to_string(),
        };
        let actor = c.account(&a.actor)?;
        c.images.insert(name.clone());
        (
            Some(actor),
            None,
            StepOp::CreateImage {
                name,
                region,
                visibility: a.visibility,
                encryption: a.encryption,
                kind: a.kind,
                ready_after: a.ready_after,
                description: a.description.clone(),
                from,
            },
        )
    } else if let Some(a) = &d.share {
        let images = c.images_of(at, &a.image, &a.images)?;
        let recipients = c.recipients(&a.recipients)?;
        let validity = c.validity(&a.valid)?;
        if a.batch == Some(0) {
            let hint = Some("give the number of recipients per request, 1 or more".into());
            return Err(c.err(ErrorCode::BadValue, at, "`batch: 0` sends no request", hint));
        }
        let op = StepOp::Share {
            images,
            recipients,
            validity,
            description: a.description.clone(),
            permission: a.permission.clone(),
            batch: a.batch,
        };
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, op)
    } else if let Some(a) = &d.cancel_share {
        let image = c.image(&a.image)?;
        let recipients = c.recipients(&a.recipients)?;
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, StepOp::CancelShare { image, recipients })
    } else if let Some(a) = d.accept.as_ref().or(d.reject.as_ref()) {
        let images = c.images_of(at, &a.image, &a.images)?;
        let op = if d.accept.is_some() { StepOp::Accept { images } } else { StepOp::Reject { images } };
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, op)
    } else if let Some(a) = d
        .list_shares
        .as_ref()
        .or(d.describe.as_ref())
        .or(d.delete_image.as_ref())
        .or(d.share_to_lighthouse.as_ref())
        .or(d.share_to_cvm.as_ref())
    {
        let image = c.images_of(at, &a.image, &None)?.remove(0);
        let op = if d.list_shares.is_some() {
            StepOp::ListShares { image }
        } else if d.describe.is_some() {
            StepOp::Describe { image }
        } else if d.delete_image.is_some() {
            StepOp::Delete { image }
        } else if d.share_to_lighthouse.is_some() {
            StepOp::ShareToLighthouse { image }
        } else {
            StepOp::ShareToCvm { image }
        };
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, op)
    } else if let Some(a) = &d.list_shared_with_me {
        let (actor, region) = simple(c, a)?;
        (actor, region, StepOp::ListSharedWithMe)
    } else if let Some(a) = &d.list_my_shared {
        let (actor, region) = simple(c, a)?;
        (actor, region, StepOp::ListMyShared)
    } else if let Some(a) = &d.quota {
        let (actor, region) = simple(c, a)?;
        (actor, region, StepOp::Quota)
    } else if let Some(a) = &d.modify {
        let image = c.image(&a.image)?;
        (
            Some(c.account(&a.actor)?),
            c.opt_region(&a.region)?,
            StepOp::Modify { image, name: a.name.clone(), description: a.description.clone() },
        )
    } else if let Some(a) = &d.copy_image {
        let image = c.image(&a.image)?;
        let to = c.region(&a.to)?;
        let actor = c.account(&a.actor)?;
        let region = c.opt_region(&a.region)?;
        let name = c.new_name(&c.images, &a.name, "image")?;
        c.images.insert(name.clone());
        (Some(actor), region, StepOp::Copy { image, to, name, own_key: a.own_key })
    } else if let Some(a) = d.launch.as_ref().or(d.pull.as_ref()) {
        let image = c.image(&a.image)?;
        let actor = c.account(&a.actor)?;
        let region = c.opt_region(&a.region)?;
        let instance = match &a.instance {
            Some(i) => {
                let name = c.new_name(&c.instances, i, "instance")?;
                c.instances.insert(name.clone());
                Some(name)
            }
            None => None,
        };
        (Some(actor), region, StepOp::Launch { image, instance, product: a.product })
    } else if let Some(a) = &d.reinit_disk {
        if let Some(i) = &a.image {
            return Err(c.err(
                ErrorCode::UnknownField,
                &i.referenced,
                "`reinit_disk` takes no `image`",
                Some(
                    "the disk is rebuilt from the instance's own image; use `replace_system_disk` to change it".into(),
                ),
            ));
        }
        let instance = c.instance(&a.instance)?;
        (Some(c.account(&a.actor)?), None, StepOp::ReinitDisk { instance })
    } else if let Some(a) = &d.replace_system_disk {
        let instance = c.instance(&a.instance)?;
        let image = match &a.image {
            Some(i) => c.image(i)?,
            None => {
                return Err(c.err(
                    ErrorCode::MissingField,
                    at,
                    "missing field `image`",
                    Some("name the image to rebuild the disk from".into()),
                ));
            }
        };
        (Some(c.account(&a.actor)?), None, StepOp::ReplaceSystemDisk { instance, image })
    } else if let Some(a) = d.authorize_key.as_ref().or(d.revoke_key.as_ref()).or(d.modify_share.as_ref()) {
        let image = c.image(&a.image)?;
        let mut rs = c.recipient(&a.recipient.referenced, &a.recipient.value)?;
        let recipient = match (rs.len(), rs.pop()) {
            (1, Some(r @ (Recipient::Account { .. } | Recipient::Raw(_)))) => r,
            _ => {
                return Err(c.err(
                    ErrorCode::BadValue,
                    &a.recipient.referenced,
                    "name one recipient here, not a crowd",
                    None,
                ));
            }
        };
        let is_modify = d.modify_share.is_some();
        if !is_modify && (a.valid.is_some() || a.description.is_some() || a.permission.is_some()) {
            return Err(c.err(
                ErrorCode::UnknownField,
                at,
                "`valid`, `description` and `permission` belong to `share` and `modify_share`",
                None,
            ));
        }
        let op = if d.authorize_key.is_some() {
            StepOp::AuthorizeKey { image, recipient }
        } else if d.revoke_key.is_some() {
            StepOp::RevokeKey { image, recipient }
        } else {
            StepOp::ModifyShare {
                image,
                recipient,
                validity: c.validity(&a.valid)?,
                description: a.description.clone(),
                permission: a.permission.clone(),
            }
        };
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, op)
    } else if let Some(a) = &d.push {
        let image = c.image(&a.image)?;
        if !crate::engine::content::valid_tag(&a.tag.value) {
            return Err(c.err(
                ErrorCode::BadValue,
                &a.tag.referenced,
                format!("`{}` is not a tag a registry takes", a.tag.value),
                Some("a tag is letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`".into()),
            ));
        }
        let op = StepOp::Push { image, tag: a.tag.value.clone() };
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, op)
    } else if let Some(a) = &d.set_visibility {
        let image = c.image(&a.image)?;
        let op = StepOp::SetVisibility { image, public: a.public };
        (Some(c.account(&a.actor)?), c.opt_region(&a.region)?, op)
    } else if let Some(a) = &d.advance_clock {
        let seconds = a
            .seconds
            .saturating_add(a.minutes.saturating_mul(60))
            .saturating_add(a.hours.saturating_mul(3600))
            .saturating_add(a.days.saturating_mul(86_400));
        if seconds == 0 {
            return Err(c.err(
                ErrorCode::BadValue,
                at,
                "`advance_clock` moves the clock by zero",
                Some("give `seconds`, `minutes`, `hours` or `days`".into()),
            ));
        }
        (None, None, StepOp::AdvanceClock { seconds })
    } else {
        unreachable!("exactly one operation is present")
    };
    Ok(Step { line: at.line(), actor, region, op, expect, note })
}

fn check_expect(c: &Checker, e: &Option<Spanned<ExpectDoc>>, providers: &[Provider]) -> Result<Expect, ScenarioError> {
    let Some(e) = e else { return Ok(Expect::default()) };
    let want = |s: &str| {
        parse_want(s).ok_or_else(|| {
            let names: Vec<String> = ["ok", "error"]
                .iter()
                .map(|s| s.to_string())
                .chain(ErrorKind::ALL.iter().map(|k| format!("{k:?}")))
                .collect();
            c.err(
                ErrorCode::BadValue,
                &e.referenced,
                format!("`{s}` is not an outcome"),
                did_you_mean(s, names.iter().map(String::as_str)).or(Some(format!("outcomes: {}", names.join(", ")))),
            )
        })
    };
    let mut out = Expect::default();
    match &e.value {
        ExpectDoc::All(s) => out.others = Some(want(s)?),
        ExpectDoc::PerProvider(map) => {
            for (k, v) in map {
                if k == "others" {
                    out.others = Some(want(v)?);
                    continue;
                }
                let p = Provider::parse(k).ok_or_else(|| {
                    c.err(
                        ErrorCode::UnknownProvider,
                        &e.referenced,
                        format!("unknown provider `{k}` in `expect`"),
                        did_you_mean(k, Provider::ALL.iter().map(|p| p.name()).chain(["others"])),
                    )
                })?;
                if !providers.contains(&p) {
                    return Err(c.err(
                        ErrorCode::UnknownProvider,
                        &e.referenced,
                        format!("`expect` names {k}, which this scenario does not run on"),
                        Some("add it to `providers` or drop it here".into()),
                    ));
                }
                out.per_provider.insert(p, want(v)?);
            }
        }
    }
    Ok(out)
}
