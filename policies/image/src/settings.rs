//! Settings of the `image` pack: the knowledge tables and thresholds its rules use, with defaults
//! users extend in `plimsoll.yaml` (`settings: { image: … }`).

use plimsoll_sdk::PackSettings;
use plimsoll_sdk::units::parse_bytes;
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the `image` pack (`settings: { image: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Tags that move to new content over time (`tag-mutable`); globs, case-insensitive.
    pub mutable_tags: Vec<String>,
    /// Report images without a `@sha256:` digest at `medium` instead of `info` (`digest-not-pinned`).
    pub strict_digest: bool,
    /// Largest build context, after `.dockerignore`, before `build-context-large` reports (`100MiB`).
    pub max_context_bytes: String,
    /// Kinds of context entries a `.dockerignore` should exclude (`dockerignore-incomplete`).
    pub ignore_kinds: Vec<String>,
    /// Kinds of context entries that are secrets when copied into an image (`copy-secrets`).
    pub secret_kinds: Vec<String>,
    /// Packages that are build tools (`build-tools-in-final-stage`); globs such as `lib*-dev`.
    pub build_packages: Vec<String>,
    /// Base image tags that carry a toolchain (`build-tools-in-final-stage`); globs such as `*-devel*`.
    pub build_base_tags: Vec<String>,
    /// Commands that install dependencies from a manifest (`layer-order-cache-bust`), as word prefixes.
    pub dependency_installs: Vec<String>,
    /// Commands that fetch or build only the dependencies from copied manifests (`layer-order-cache-bust`), as word prefixes.
    pub dependency_prefetches: Vec<String>,
    /// Programs whose use in a `RUN` verifies its downloads (`download-not-verified`).
    pub verify_programs: Vec<String>,
    /// Package names installed without a version that `package-unpinned` accepts (`pip`, `setuptools`).
    pub unpinned_packages_allowed: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mutable_tags: strings(&[
                "latest",
                "main",
                "master",
                "mainline",
                "edge",
                "nightly",
                "rawhide",
                "release",
                "dev",
                "develop",
                "stable",
                "canary",
                "beta",
                "rolling",
                "unstable",
                "head",
                "next",
                "current",
                "testing",
                "latest-*",
                "*-latest",
                "*-dev",
                "*-nightly",
                "*-edge",
                "mainline-*",
                "stable-*",
            ]),
            strict_digest: false,
            max_context_bytes: "100MiB".to_string(),
            ignore_kinds: strings(&["git", "node-modules", "virtualenv", "env-file", "model-weights", "build-output"]),
            secret_kinds: strings(&["env-file", "private-key"]),
            build_packages: strings(&[
                "build-essential",
                "gcc",
                "gcc-*",
                "g++",
                "g++-*",
                "clang",
                "clang-*",
                "make",
                "cmake",
                "autoconf",
                "automake",
                "libtool",
                "pkg-config",
                "pkgconf",
                "build-base",
                "alpine-sdk",
                "musl-dev",
                "gfortran",
                "*-dev",
                "*-devel",
                "cuda-toolkit*",
                "cuda-nvcc*",
                "@development-tools",
            ]),
            build_base_tags: strings(&["*-devel", "*-devel-*"]),
            dependency_installs: strings(&[
                "pip install -r",
                "pip3 install -r",
                "pip install --requirement",
                "pip3 install --requirement",
                "npm ci",
                "npm install",
                "npm i",
                "yarn install",
                "pnpm install",
                "bundle install",
                "composer install",
                "poetry install",
                "pipenv install",
                "uv sync",
                "cargo build",
                "cargo fetch",
                "go mod download",
                "mvn dependency:go-offline",
            ]),
            dependency_prefetches: strings(&[
                "cargo chef cook",
                "cargo fetch",
                "go mod download",
                "pip download",
                "pip3 download",
                "npm ci",
                "yarn install",
                "pnpm fetch",
                "pnpm install",
                "poetry install --no-root",
                "uv sync --no-install-project",
                "bundle install",
                "composer install --no-scripts",
                "mvn dependency:go-offline",
                "gradle dependencies",
                "dotnet restore",
            ]),
            verify_programs: strings(&[
                "sha256sum",
                "sha512sum",
                "sha384sum",
                "sha1sum",
                "shasum",
                "b2sum",
                "md5sum",
                "gpg",
                "gpgv",
                "cosign",
                "minisign",
                "signify",
                "openssl",
                "slsa-verifier",
                "gh",
            ]),
            unpinned_packages_allowed: strings(&["pip", "setuptools", "wheel", "ca-certificates", "tzdata"]),
        }
    }
}

impl Settings {
    /// The context size threshold in bytes.
    pub fn max_context(&self) -> u64 {
        parse_bytes(&self.max_context_bytes).unwrap_or(100 * 1024 * 1024)
    }

    /// Whether a tag is a moving tag.
    pub fn is_mutable_tag(&self, tag: &str) -> bool {
        self.mutable_tags.iter().any(|p| plimsoll_sdk::query::glob_match(p, tag))
    }
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        if let Err(e) = parse_bytes(&self.max_context_bytes) {
            return Err(format!("max-context-bytes: `{}` is not a size such as `100MiB`: {e}", self.max_context_bytes));
        }
        for (key, list) in [
            ("mutable-tags", &self.mutable_tags),
            ("ignore-kinds", &self.ignore_kinds),
            ("secret-kinds", &self.secret_kinds),
            ("build-packages", &self.build_packages),
            ("build-base-tags", &self.build_base_tags),
            ("dependency-installs", &self.dependency_installs),
            ("dependency-prefetches", &self.dependency_prefetches),
            ("verify-programs", &self.verify_programs),
            ("unpinned-packages-allowed", &self.unpinned_packages_allowed),
        ] {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(format!("{key}: empty entry"));
            }
        }
        Ok(())
    }
}
