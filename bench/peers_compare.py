#!/usr/bin/env python3
"""Compare Plimsoll's findings with hadolint's and dclint's on the same corpus files, rule by rule.

Reads the three JSON reports written by bench/peers.sh (hadolint.json, dclint.json, plimsoll.json in --out) and
prints Markdown: for each Plimsoll rule that a peer also has, the number of files where each tool reports it, and
the files where a peer reports it and Plimsoll does not, each with the reason found by reading the file (the
REASONS table below; a file missing from it is printed as "UNREVIEWED" so that a new corpus or a rule change
shows up). Never run by CI.

Usage: bench/peers_compare.py --corpus ../shared/corpus --out bench/.peers/out   (normally via bench/peers.sh)

A Plimsoll finding counts for a file when the file is its subject or one of its `related` locations: a compose
finding about a service built from a Dockerfile names that Dockerfile in `related` ("reported on the service").
"""

import argparse
import collections
import json
import os

# Peer rule code -> Plimsoll rule. dclint's `service-image-require-explicit-tag` covers both a missing tag and a
# tag from its `prohibitedTags` list; it is split by the image it names (see dclint_rule below).
HADOLINT = {
    "DL3006": "image/tag-missing",
    "DL3007": "image/tag-mutable",
    "DL3002": "security/runs-as-root",
    "DL3009": "image/package-cache-not-cleaned",
    "DL3042": "image/package-cache-not-cleaned",
    "DL3019": "image/package-cache-not-cleaned",
    "DL3015": "image/apt-no-install-recommends",
    "DL3020": "image/add-instead-of-copy",
    "DL3025": "image/shell-form-cmd",
    "DL4003": "image/multiple-cmd-or-healthcheck",
    "DL4004": "image/multiple-cmd-or-healthcheck",
    "DL3012": "image/multiple-cmd-or-healthcheck",
    "DL3022": "image/unknown-stage-reference",
    "DL3023": "image/unknown-stage-reference",
    "DL3057": "health/healthcheck-missing",
    "DL3064": "security/secrets-in-build",
}
DCLINT = {
    "service-image-require-explicit-tag": None,  # tag-missing or tag-mutable, by image
    "no-unbound-port-interfaces": "security/port-unbound-interface",
}
RULE_ORDER = [
    "image/tag-missing",
    "image/tag-mutable",
    "security/runs-as-root",
    "image/package-cache-not-cleaned",
    "image/apt-no-install-recommends",
    "image/add-instead-of-copy",
    "image/shell-form-cmd",
    "image/multiple-cmd-or-healthcheck",
    "image/unknown-stage-reference",
    "health/healthcheck-missing",
    "security/secrets-in-build",
    "security/port-unbound-interface",
]

# Why a peer reports a rule on a file and Plimsoll does not, found by reading each file.
# Key: (peer, plimsoll rule, file relative to the corpus).
R_BUILT = "`image:` next to `build:` names the image the project builds, not one it pulls (by design; dclint ignores `build:`)"
R_BUILT_TEST = R_BUILT + "; `test` is in dclint's prohibited tags, not in our `mutable-tags`"
R_DEV_STAGE = ("`apk update`/`apk add` without `--no-cache` in stage `dev-envs`, which the compose service does not build "
               "(`target: builder`); Plimsoll checks only shipped stages")
R_COPY_FROM_IMAGE = "`COPY --from=gloursdocker/docker`: an image, which BuildKit allows; hadolint expects a stage alias (hadolint false positive)"
R_DIST_CLEAN = "the `RUN` ends with `apt-get dist-clean`, which removes the apt lists; hadolint does not know it (hadolint false positive)"
R_BASE_IMAGE = ("standalone base-image Dockerfile, no service runs it: the rule is about services (compose `healthcheck:` "
                "or the HEALTHCHECK of the image a service runs)")
R_COMPOSE_HC = "the compose service that builds it has a `healthcheck:`"
R_JOB_ECHO = "built by a one-shot service (`CMD [\"echo\", …]` / `/bin/true` exits at once): no healthcheck needed"
R_BUILD_ONLY = "built by a service that runs no command on a bare OS image (`alpine`, `busybox`, `scratch`, no CMD): a build-only test service"
R_JOB_SEED = "`seed` service: `restart: \"no\"`, a one-shot job behind the `seed` profile"
R_CYCLE = "Plimsoll reports a load error for this file (a `depends_on`/`include` cycle: deliberately broken compose-go test data)"
R_NAMED_CONTEXT = ("`FROM base` names the build context `base: service:base` (`build.additional_contexts`): the image "
                   "the `base` service builds, not Docker Hub's `base` (hadolint false positive)")
REASONS = {
    # image/tag-missing
    ("hadolint", "image/tag-missing", "compose-e2e/build-dependencies/service.dockerfile"): R_NAMED_CONTEXT,
    ("dclint", "image/tag-missing", "awesome-compose/wasmedge-kafka-mysql/compose.yml"): R_BUILT,
    ("dclint", "image/tag-missing", "awesome-compose/wasmedge-mysql-nginx/compose.yml"): R_BUILT,
    ("dclint", "image/tag-missing", "compose-e2e/bridge/compose.yaml"):
        R_BUILT + "; the untagged `FROM alpine` behind it is reported on the Dockerfile",
    ("dclint", "image/tag-missing", "compose-e2e/build-test/compose.yaml"): R_BUILT,
    ("dclint", "image/tag-missing", "compose-e2e/build-test/ssh/compose-without-ssh.yaml"): R_BUILT,
    ("dclint", "image/tag-missing", "compose-e2e/build-test/ssh/compose.yaml"): R_BUILT,
    ("dclint", "image/tag-missing", "compose-go/loader/testdata/compose-depends-on-cycle.yaml"): R_CYCLE,
    ("dclint", "image/tag-missing", "compose-go/loader/testdata/compose-depends-on-profile-no-cycle.yaml"): R_CYCLE,
    ("dclint", "image/tag-missing", "compose-go/loader/testdata/compose-depends-on-self.yaml"): R_CYCLE,
    ("dclint", "image/tag-missing", "compose-go/loader/testdata/compose-include-cycle.yaml"): R_CYCLE,
    # image/tag-mutable
    ("dclint", "image/tag-mutable", "compose-e2e/build-test/platforms/compose-multiple-platform-builds.yaml"): R_BUILT_TEST,
    ("dclint", "image/tag-mutable", "compose-e2e/build-test/platforms/compose-service-platform-and-no-build-platforms.yaml"): R_BUILT_TEST,
    ("dclint", "image/tag-mutable", "compose-e2e/build-test/platforms/compose-service-platform-not-in-build-platforms.yaml"): R_BUILT_TEST,
    ("dclint", "image/tag-mutable", "compose-e2e/build-test/platforms/compose-unsupported-platform.yml"): R_BUILT_TEST,
    ("dclint", "image/tag-mutable", "compose-e2e/build-test/platforms/compose.yaml"): R_BUILT_TEST,
    # image/unknown-stage-reference
    **{("hadolint", "image/unknown-stage-reference", f"awesome-compose/{d}/Dockerfile"): R_COPY_FROM_IMAGE
       for d in ("nginx-flask-mongo/flask", "nginx-flask-mysql/backend", "nginx-golang-mysql/backend",
                 "nginx-golang-postgres/backend", "nginx-golang/backend")},
    # image/package-cache-not-cleaned
    **{("hadolint", "image/package-cache-not-cleaned", f"awesome-compose/{d}/Dockerfile"): R_DEV_STAGE
       for d in ("nginx-flask-mongo/flask", "nginx-flask-mysql/backend", "nginx-golang-mysql/backend",
                 "nginx-golang-postgres/backend", "nginx-golang/backend")},
    **{("hadolint", "image/package-cache-not-cleaned", f"docker-library-python/{v}/{t}/Dockerfile"): R_DIST_CLEAN
       for v in ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15-rc") for t in ("trixie", "slim-trixie")},
    # health/healthcheck-missing (hadolint DL3057, off by default, enabled with --info DL3057)
    ("hadolint", "health/healthcheck-missing", "awesome-compose/nginx-wsgi-flask/flask/Dockerfile"): R_COMPOSE_HC,
    ("hadolint", "health/healthcheck-missing", "awesome-compose/nginx-wsgi-flask/nginx/Dockerfile"): R_COMPOSE_HC,
    ("hadolint", "health/healthcheck-missing", "compose-e2e/bridge-build-only/Dockerfile"): R_JOB_ECHO,
    ("hadolint", "health/healthcheck-missing", "compose-e2e/bridge/Dockerfile"): R_JOB_ECHO,
    ("hadolint", "health/healthcheck-missing", "compose-e2e/build-dependencies/base.dockerfile"): R_JOB_ECHO,
    **{("hadolint", "health/healthcheck-missing", f"compose-e2e/{d}/Dockerfile"): R_BUILD_ONLY
       for d in ("build-infinite/service1", "build-test/entitlements", "build-test/minimal", "build-test/multi-args",
                 "build-test/platforms", "build-test/platforms/contextServiceA", "build-test/platforms/contextServiceB",
                 "build-test/platforms/contextServiceC", "build-test/privileged", "build-test/ssh")},
    ("hadolint", "health/healthcheck-missing", "compose-go/loader/testdata/Dockerfile"): R_BASE_IMAGE.replace(
        "standalone base-image Dockerfile", "standalone Dockerfile (compose-go test data)"),
    ("hadolint", "health/healthcheck-missing", "example-voting-app/seed-data/Dockerfile"): R_JOB_SEED,
    **{("hadolint", "health/healthcheck-missing", f"docker-library-python/{v}/{t}/Dockerfile"): R_BASE_IMAGE
       for v in ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15-rc")
       for t in ("alpine3.23", "alpine3.24", "bookworm", "slim-bookworm", "slim-trixie", "trixie",
                 "windows/windowsservercore-ltsc2022", "windows/windowsservercore-ltsc2025")},
    **{("hadolint", "health/healthcheck-missing", f"docker-node/{v}/{t}/Dockerfile"): R_BASE_IMAGE
       for v in ("22", "24", "26")
       for t in ("alpine3.23", "alpine3.24", "bookworm", "bookworm-slim", "bullseye", "bullseye-slim", "trixie",
                 "trixie-slim")},
}


def dclint_rule(message):
    """The Plimsoll rule a dclint message maps to, or None."""
    rule = message["rule"]
    if rule not in DCLINT:
        return None
    if DCLINT[rule]:
        return DCLINT[rule]
    image = str(message.get("data", {}).get("image", ""))
    last = image.split("/")[-1]
    return "image/tag-mutable" if ":" in last else "image/tag-missing"


def norm(path, corpus):
    if os.path.isabs(path):
        path = os.path.relpath(path, corpus)
    return os.path.normpath(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--details", action="store_true", help="print every peer message behind a peer-only file")
    args = ap.parse_args()
    corpus = os.path.realpath(args.corpus)

    def load(name):
        with open(os.path.join(args.out, name)) as f:
            return json.load(f)

    dockerfiles = [l.strip() for l in open(os.path.join(args.out, "dockerfiles.txt")) if l.strip()]
    composefiles = [l.strip() for l in open(os.path.join(args.out, "composefiles.txt")) if l.strip()]

    # (peer, rule) -> {file: [messages]}
    peer = collections.defaultdict(lambda: collections.defaultdict(list))
    peer_unmapped = collections.Counter()
    peer_parse_errors = collections.defaultdict(set)
    for m in load("hadolint.json"):
        f = norm(m["file"], corpus)
        if m["code"] in HADOLINT:
            peer["hadolint", HADOLINT[m["code"]]][f].append(f"{m['code']} line {m['line']}: {m['message']}")
        else:
            peer_unmapped["hadolint", m["code"]] += 1
            if m["code"] == "DL1000":
                peer_parse_errors["hadolint"].add(f)
    for entry in load("dclint.json"):
        f = norm(entry["filePath"], corpus)
        for m in entry["messages"]:
            rule = dclint_rule(m)
            if rule:
                peer["dclint", rule][f].append(f"{m['rule']} line {m['line']}: {m['message']}")
            else:
                peer_unmapped["dclint", m["rule"]] += 1
                if m["rule"] == "invalid-schema":
                    peer_parse_errors["dclint"].add(f)

    report = load("plimsoll.json")
    ours = collections.defaultdict(set)  # rule -> files (subject or related)
    ours_subject = collections.defaultdict(set)
    for x in report["findings"]:
        f = norm(x["file"], corpus)
        ours[x["rule"]].add(f)
        ours_subject[x["rule"]].add(f)
        for r in x.get("related") or []:
            ours[x["rule"]].add(norm(r["file"], corpus))
    our_errors = {norm(e["file"], corpus) for e in report["errors"] if e.get("file")}

    print(f"Files: {len(dockerfiles)} Dockerfiles (hadolint), {len(composefiles)} compose files (dclint); "
          f"Plimsoll checked {report['stats']['projects']} projects covering both sets.\n")
    print("| Plimsoll rule | peer rules | peer: files | Plimsoll: files (same file set) | both | peer only | Plimsoll only |")
    print("|---|---|---|---|---|---|---|")
    missing = []
    for rule in RULE_ORDER:
        for tool, table, files in (("hadolint", HADOLINT, dockerfiles), ("dclint", DCLINT, composefiles)):
            codes = sorted(c for c, r in table.items() if r == rule or (r is None and rule.startswith("image/tag-")))
            if not codes:
                continue
            theirs = set(peer[tool, rule])
            universe = set(files)
            mine = ours[rule] & universe
            both, only_peer, only_us = theirs & mine, theirs - mine, mine - theirs
            unparsed = len(only_us & peer_parse_errors[tool])
            note = f" ({unparsed} the peer cannot parse)" if unparsed else ""
            print(f"| `{rule}` | {tool} {', '.join(codes)} | {len(theirs)} | {len(mine)} | {len(both)} | "
                  f"{len(only_peer)} | {len(only_us)}{note} |")
            for f in sorted(only_peer):
                missing.append((tool, rule, f))

    print("\nFiles where a peer reports and Plimsoll does not:\n")
    by_reason = collections.Counter()
    for tool, rule, f in missing:
        reason = REASONS.get((tool, rule, f))
        if reason is None and f in our_errors:
            reason = "Plimsoll reports a load error for this file (deliberately broken test data)"
        if reason is None:
            reason = "UNREVIEWED"
        by_reason[tool, rule, reason] += 1
        print(f"- {tool} `{rule}` `{f}`: {reason}")
        if args.details:
            for m in peer[tool, rule][f]:
                print(f"    - {m}")

    print("\nPeer parse failures (no other finding for the file): "
          + "; ".join(f"{t}: {len(fs)} files" for t, fs in sorted(peer_parse_errors.items())))
    print("\nPeer findings with no Plimsoll counterpart (code: findings): "
          + ", ".join(f"{t} {c}: {n}" for (t, c), n in sorted(peer_unmapped.items())))


if __name__ == "__main__":
    main()
