//! `plimsoll policy push|pull|lock|keygen|sign|verify|save|load` and `inspect oci://…`: packs in
//! OCI registries, through `plimsoll-distribution`.
//!
//! This module turns flags into distribution calls and prints what happened; the artifact format,
//! the store, signatures and the lock live in the distribution crate, and packs are verified with
//! the same checks as `policy build` ([`super::verify`]) before anything is pushed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_check::manifest::{self, LoadedManifest};
use plimsoll_distribution::artifact::{self, ConfigRule, PackConfig};
use plimsoll_distribution::lock::{self, LockEntry};
use plimsoll_distribution::sign::{self, PrivateKey, PublicKey};
use plimsoll_distribution::{Distribution, Reference, Trust};
use plimsoll_runtime::{Limits, Pack, Runtime};

use super::verify;

/// Verify the pack at `path` (a pack directory or a `.wasm` file) and build its artifact.
pub fn artifact_of(runtime: &Runtime, path: &Path) -> Result<(artifact::PackArtifact, Pack), Vec<String>> {
    let (component, manifest): (PathBuf, Option<LoadedManifest>) =
        if path.is_dir() || path.file_name().is_some_and(|n| n == manifest::FILE_NAME) {
            let loaded = manifest::load(path).map_err(|e| vec![e])?;
            (loaded.component_path(), Some(loaded))
        } else {
            (path.to_path_buf(), None)
        };
    let bytes = std::fs::read(&component).map_err(|e| {
        vec![format!(
            "{}: cannot read: {e}{}",
            component.display(),
            if manifest.is_some() { " (run `plimsoll policy build` first)" } else { "" }
        )]
    })?;
    let limits = match &manifest {
        Some(m) => m.limits().map_err(|e| vec![e])?,
        None => Limits::default(),
    };
    let origin = component.display().to_string();
    let pack = verify::verify(runtime, &bytes, &origin, limits, manifest.as_ref())?;
    let contract = pack
        .imports
        .iter()
        .find_map(|i| i.strip_prefix("plimsoll:policy/").and_then(|r| r.split_once('@')).map(|(_, v)| v.to_string()))
        .unwrap_or_else(|| format!("{}.0", verify::SUPPORTED_CONTRACT));
    let m = manifest.as_ref().map(|m| &m.manifest);
    let sandbox: BTreeMap<String, String> = m
        .and_then(|m| m.sandbox.as_ref())
        .map(|s| {
            [("memory", s.memory.clone()), ("deadline", s.deadline.clone())]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect()
        })
        .unwrap_or_default();
    let config = PackConfig {
        id: pack.info.id.clone(),
        version: pack.info.version.clone(),
        rules: pack
            .info
            .rules
            .iter()
            .map(|r| ConfigRule { id: r.id.clone(), severity: r.severity.to_string() })
            .collect(),
        settings_schema_digest: (!pack.info.settings_schema.trim().is_empty())
            .then(|| artifact::digest_of(pack.info.settings_schema.as_bytes())),
        contract,
        minimum_plimsoll: m.and_then(|m| m.minimum_plimsoll.clone()),
        settings: m.map(|m| m.settings.clone()).unwrap_or_default(),
        sandbox,
    };
    let dir = manifest
        .as_ref()
        .map(|m| m.dir().to_path_buf())
        .unwrap_or_else(|| component.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".")));
    let annotations = plimsoll_distribution::annotations(&[
        ("title", Some(pack.info.id.clone())),
        ("version", Some(pack.info.version.clone())),
        ("description", Some(m.and_then(|m| m.description.clone()).unwrap_or_else(|| pack.info.summary.clone()))),
        ("source", m.and_then(|m| m.source.clone()).or_else(|| git(&dir, &["config", "--get", "remote.origin.url"]))),
        ("revision", git(&dir, &["rev-parse", "HEAD"])),
        ("created", Some(now_rfc3339())),
        ("licenses", m.and_then(|m| m.licenses.clone())),
    ]);
    Ok((artifact::build_pack(bytes, &config, annotations), pack))
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ` (or `SOURCE_DATE_EPOCH`, for reproducible artifacts).
pub fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.parse::<i64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let plimsoll_check::config::Date { year, month, day } = plimsoll_check::config::Date::from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// `policy push`.
pub fn push(runtime: &Runtime, dist: &Distribution, path: &Path, reference: &str, force: bool) -> Result<u8, String> {
    let reference = Reference::parse(reference).map_err(|e| e.to_string())?;
    let (artifact, pack) = match artifact_of(runtime, path) {
        Ok(built) => built,
        Err(problems) => {
            for p in problems {
                eprintln!("error: {p}");
            }
            return Ok(1);
        }
    };
    let pushed = dist.push(&artifact, &reference, force).map_err(|e| e.to_string())?;
    eprintln!(
        "{} {} {} ({} rules, {} bytes){}",
        if pushed.unchanged { "unchanged" } else { "pushed" },
        pack.info.id,
        pack.info.version,
        pack.info.rules.len(),
        artifact.layer.len(),
        if pushed.unchanged { ": the tag already points at this digest" } else { "" }
    );
    println!("{}", pushed.pinned.pinned());
    Ok(0)
}

/// `policy pull`.
pub fn pull(dist: &Distribution, reference: &str) -> Result<u8, String> {
    let reference = Reference::parse(reference).map_err(|e| e.to_string())?;
    let opened = dist.pull(&reference).map_err(|e| e.to_string())?;
    eprintln!(
        "pulled {} {} into {} ({} signature{})",
        opened.config.id,
        opened.config.version,
        dist.store.root().display(),
        opened.signatures.len(),
        if opened.signatures.len() == 1 { "" } else { "s" }
    );
    println!("{}", opened.reference.pinned());
    Ok(0)
}

/// `policy keygen`.
pub fn keygen(name: &Path) -> Result<u8, String> {
    let files = sign::keygen(name).map_err(|e| e.to_string())?;
    println!("key id {}", files.id);
    println!("private key {} (mode 0600: keep it secret)", files.private.display());
    println!("public key  {} (list it under `trust: keys:`)", files.public.display());
    Ok(0)
}

/// `policy sign`.
pub fn sign_ref(dist: &Distribution, reference: &str, key: &Path) -> Result<u8, String> {
    let reference = Reference::parse(reference).map_err(|e| e.to_string())?;
    let key = PrivateKey::read(key).map_err(|e| e.to_string())?;
    let (signature, blob) = dist.sign(&reference, &key, &now_rfc3339()).map_err(|e| e.to_string())?;
    println!(
        "signed {} with key {} (signature {signature})",
        reference.with_digest(&blob.digest).pinned(),
        blob.key_id
    );
    Ok(0)
}

/// `policy verify`: 0 when a signature by one of `keys` verifies.
pub fn verify_ref(dist: &Distribution, reference: &str, keys: &[PathBuf]) -> Result<u8, String> {
    let reference = Reference::parse(reference).map_err(|e| e.to_string())?;
    let keys: Vec<PublicKey> =
        keys.iter().map(|k| PublicKey::read(k)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let (digest, signatures) = dist.registry_signatures(&reference).map_err(|e| e.to_string())?;
    let mut reasons = Vec::new();
    for sig in &signatures {
        match sig.verify(&digest, &keys) {
            Ok(id) => {
                println!("verified {} signed by key {id}", reference.with_digest(&digest).pinned());
                return Ok(0);
            }
            Err(e) => reasons.push(e.to_string()),
        }
    }
    let why = if reasons.is_empty() { "it has no signature".to_string() } else { reasons.join("; ") };
    eprintln!("error: {}: not verified by {}: {why}", reference.with_digest(&digest).pinned(), sign::key_list(&keys));
    Ok(1)
}

/// The configuration `policy lock` and `load` work on: `--config`, else the one found from `.`.
fn config_at(config: Option<&Path>) -> Result<plimsoll_check::config::Loaded, String> {
    let path = match config {
        Some(p) => p.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
            plimsoll_check::discover::find_config(&cwd, &plimsoll_check::repository::root_of(&cwd))
                .ok_or("no plimsoll.yaml here or above (give --config FILE)")?
        }
    };
    plimsoll_check::config::load(&path).map_err(|e| e.to_string())
}

/// `policy lock [--update [PACK]]`.
pub fn lock(
    runtime: &Runtime,
    dist: &Distribution,
    config: Option<&Path>,
    update: Option<Option<String>>,
) -> Result<u8, String> {
    let cfg = config_at(config)?;
    let base = cfg.directory();
    let trust = plimsoll_check::packs::trust_of(cfg.config.trust.as_ref(), &base)?;
    let path = lock::path_in(&base);
    let existing = lock::load(&path).map_err(|e| e.to_string())?;
    let entries: Vec<&String> =
        cfg.config.packs.iter().filter(|e| plimsoll_distribution::reference::is_oci(e)).collect();
    if let Some(Some(name)) = &update
        && !entries.iter().any(|e| *e == name || existing.lock.packs.get(*e).is_some_and(|l| &l.pack == name))
    {
        return Err(format!(
            "--update {name}: no registry pack of {} is `{name}` (by reference or pack id)",
            cfg.path.as_deref().unwrap_or(Path::new("plimsoll.yaml")).display()
        ));
    }
    let mut next = lock::Lockfile { version: lock::VERSION, packs: BTreeMap::new() };
    let mut changes = Vec::new();
    for entry in entries {
        let old = existing.lock.packs.get(entry);
        let updating = match &update {
            None => false,
            Some(None) => true,
            Some(Some(name)) => entry == name || old.is_some_and(|l| &l.pack == name),
        };
        let reference = Reference::parse(entry).map_err(|e| e.to_string())?;
        let now = dist.resolve_digest(&reference).map_err(|e| format!("`{entry}`: {e}"))?;
        if let Some(old) = old
            && !updating
        {
            if old.manifest != now {
                return Err(format!(
                    "`{entry}` moved: {} pins {}, the registry now has {now}; run `plimsoll policy lock --update {entry}` to take it",
                    path.display(),
                    old.manifest
                ));
            }
            next.packs.insert(entry.clone(), old.clone());
            continue;
        }
        let opened = dist.pull(&reference.with_digest(&now)).map_err(|e| format!("`{entry}`: {e}"))?;
        let pack = runtime
            .load_pack(&opened.component, &opened.reference.pinned(), Limits::default())
            .map_err(|e| format!("`{entry}`: {e}"))?;
        if pack.info.id != opened.config.id || pack.info.version != opened.config.version {
            return Err(format!(
                "`{entry}`: the artifact says {} {}, the component describes {} {}",
                opened.config.id, opened.config.version, pack.info.id, pack.info.version
            ));
        }
        let signer = plimsoll_distribution::check_trust(&opened, &trust).map_err(|e| e.to_string())?;
        let new = LockEntry {
            manifest: now.clone(),
            layer: opened.layer_digest().to_string(),
            pack: opened.config.id.clone(),
            version: opened.config.version.clone(),
            signer,
        };
        match old {
            Some(o) if o == &new => {}
            Some(o) => changes.push(format!("updated {entry}: {} -> {now}", o.manifest)),
            None => changes.push(format!("locked {entry} at {now}")),
        }
        next.packs.insert(entry.clone(), new);
    }
    for gone in existing.lock.packs.keys().filter(|k| !next.packs.contains_key(*k)) {
        changes.push(format!("removed {gone} (no longer in packs:)"));
    }
    if existing.exists && existing.lock == next {
        eprintln!("{} is up to date ({} packs)", path.display(), next.packs.len());
        return Ok(0);
    }
    lock::write(&path, &next).map_err(|e| e.to_string())?;
    for c in &changes {
        eprintln!("{c}");
    }
    eprintln!("wrote {} ({} packs)", path.display(), next.packs.len());
    Ok(0)
}

/// `policy save`.
pub fn save(dist: &Distribution, references: &[String], lock_file: Option<&Path>, out: &Path) -> Result<u8, String> {
    let mut refs = Vec::new();
    for r in references {
        let reference = Reference::parse(r).map_err(|e| e.to_string())?;
        // Make sure the store has it (and its signatures), online; offline the store must have it.
        let pinned = match dist.pull(&reference) {
            Ok(opened) => opened.reference,
            Err(plimsoll_distribution::Error::Unreachable(why)) => {
                eprintln!("warning: {why}; saving {reference} from the store");
                reference.clone()
            }
            Err(e) => return Err(e.to_string()),
        };
        refs.push(Reference { tag: reference.tag.clone(), ..pinned });
    }
    let n = dist.save(&refs, lock_file, out).map_err(|e| e.to_string())?;
    eprintln!("saved {n} pack{} to {}", if n == 1 { "" } else { "s" }, out.display());
    Ok(0)
}

/// `policy load`: the trust of `--key` files, else of the configuration found from `.` (if any).
pub fn load(
    dist: &Distribution,
    archive: &Path,
    keys: &[PathBuf],
    config: Option<&Path>,
    require: bool,
) -> Result<u8, String> {
    let mut trust = if keys.is_empty() {
        match config.map(|c| config_at(Some(c))).transpose()? {
            Some(cfg) => plimsoll_check::packs::trust_of(cfg.config.trust.as_ref(), &cfg.directory())?,
            None => Trust::default(),
        }
    } else {
        let keys = keys.iter().map(|k| PublicKey::read(k)).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
        Trust { keys, require_signatures: true }
    };
    trust.require_signatures |= require;
    let loaded = dist.load(archive, &trust).map_err(|e| e.to_string())?;
    for (opened, signer) in &loaded.packs {
        let signed = signer.as_ref().map(|s| format!(", signed by {s}")).unwrap_or_default();
        println!("loaded {} {} {}{signed}", opened.config.id, opened.config.version, opened.reference);
    }
    if loaded.lock.is_some() {
        println!("the archive carries {} (its packs are all in the store)", lock::FILE_NAME);
    }
    eprintln!(
        "{} pack{} in {}",
        loaded.packs.len(),
        if loaded.packs.len() == 1 { "" } else { "s" },
        dist.store.root().display()
    );
    Ok(0)
}

/// `policy inspect oci://…`: the pack (pulled into the store) and the signatures the registry has.
pub fn inspect(
    runtime: &Runtime,
    dist: &Distribution,
    reference: &str,
    keys: &[PathBuf],
) -> Result<(super::inspect::Inspection, Vec<String>), String> {
    let reference = Reference::parse(reference).map_err(|e| e.to_string())?;
    let opened = dist.pull(&reference).map_err(|e| e.to_string())?;
    let keys: Vec<PublicKey> =
        keys.iter().map(|k| PublicKey::read(k)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join(format!("{}.wasm", opened.config.id));
    std::fs::write(&file, &opened.component).map_err(|e| e.to_string())?;
    let mut inspection = super::inspect::inspect(runtime, &file)?;
    inspection.file = opened.reference.pinned();
    let mut lines = vec![format!("manifest {}", opened.manifest_digest), format!("layer    {}", opened.layer_digest())];
    if opened.signatures.is_empty() {
        lines.push("signatures: none".into());
    }
    for sig in &opened.signatures {
        let state = if keys.is_empty() {
            "not checked (give --key PUB)".to_string()
        } else {
            match sig.verify(&opened.manifest_digest, &keys) {
                Ok(_) => "verified".to_string(),
                Err(e) => format!("NOT verified: {e}"),
            }
        };
        lines.push(format!("signature by key {}: {state}", sig.key_id));
    }
    Ok((inspection, lines))
}
