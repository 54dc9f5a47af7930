//! The Dockerfile parser, construct by construct: directives, continuations, heredocs, forms,
//! flags, ARG substitution, ENV/LABEL, HEALTHCHECK, ONBUILD, SHELL, stages and RUN analysis.

use std::path::Path;

use plimsoll_model::dockerfile::{self, Parsed};
use plimsoll_model::model::{InstructionForm, KeyValue, StageBase};

fn parse(text: &str) -> Parsed {
    dockerfile::parse(text, Path::new("Dockerfile"), &[])
}

fn parse_ok(text: &str) -> Parsed {
    let p = parse(text);
    let errors: Vec<String> = p.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:?}");
    p
}

fn fixture(name: &str) -> Parsed {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dockerfile").join(name);
    let p = dockerfile::parse_file(&path, &[]).expect("fixture");
    let errors: Vec<String> = p.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:?}");
    p
}

fn words(p: &Parsed, instruction: usize) -> Vec<Vec<&str>> {
    p.dockerfile.instructions[instruction]
        .commands
        .iter()
        .map(|c| c.words.iter().map(String::as_str).collect())
        .collect()
}

#[test]
fn run_with_continuation_gives_three_commands() {
    let p = parse_ok(
        "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
    );
    assert_eq!(
        words(&p, 1),
        vec![
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "--no-install-recommends", "curl"],
            vec!["rm", "-rf", "/var/lib/apt/lists/*"],
        ]
    );
    assert_eq!(p.spans[1].line, 2);
    assert_eq!(p.spans[1].end_line, 3);
    assert_eq!(p.dockerfile.instructions[1].form, InstructionForm::Shell);
}

#[test]
fn directives_only_at_the_top() {
    let p = parse_ok("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=\\\nFROM a\n# escape=`\nRUN x\n");
    let names: Vec<&str> = p.dockerfile.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["syntax", "check", "escape"]);
    assert_eq!(p.dockerfile.escape, "\\");

    // A comment ends the directives: the escape below it is an ordinary comment.
    let p = parse_ok("# hello\n# escape=`\nFROM a\n");
    assert!(p.dockerfile.directives.is_empty());
    assert_eq!(p.dockerfile.escape, "\\");

    let p = parse("# escape=\\\n# escape=`\nFROM a\n");
    assert!(p.diagnostics.iter().any(|d| d.is_error() && d.message.contains("only one `escape`")));
}

#[test]
fn backtick_escape_directive() {
    let p = fixture("windows.Dockerfile");
    assert_eq!(p.dockerfile.escape, "`");
    let run = &p.dockerfile.instructions[2];
    assert_eq!(run.keyword, "RUN");
    assert_eq!(run.arguments, ["Write-Host one;     Write-Host two"]);
    assert_eq!((p.spans[2].line, p.spans[2].end_line), (4, 5));
    // With a backtick escape, backslashes are ordinary characters in paths.
    assert_eq!(p.dockerfile.instructions[3].arguments, ["C:\\src\\app", "C:\\app"]);
    assert_eq!(p.dockerfile.instructions[4].arguments, ["C:\\app"]);
    assert_eq!(p.dockerfile.instructions[1].arguments, ["powershell", "-Command"]);
}

#[test]
fn comments_and_empty_lines_inside_continuations() {
    let p = parse_ok("FROM a\nRUN echo a \\\n  # a comment\n\n  && echo b\nUSER app\n");
    assert_eq!(words(&p, 1), vec![vec!["echo", "a"], vec!["echo", "b"]]);
    assert_eq!(p.spans[1].end_line, 5);
    assert_eq!(p.spans[2].line, 6);
}

#[test]
fn positions_are_keyword_line_and_column() {
    let p = parse_ok("\n  FROM a AS b\n\t\trun echo\n");
    assert_eq!((p.spans[0].line, p.spans[0].column), (2, 3));
    assert_eq!((p.spans[1].line, p.spans[1].column), (3, 3));
    assert_eq!(p.dockerfile.instructions[1].keyword, "RUN");
    assert_eq!(p.dockerfile.instructions[1].text, "run echo");
}

#[test]
fn heredocs_bodies_destinations_and_analysis() {
    let p = fixture("heredoc.Dockerfile");
    let df = &p.dockerfile;
    assert_eq!(df.directives[1], KeyValue { name: "check".into(), value: Some("error=true".into()) });
    // RUN <<EOF: the body is the script.
    let run = &df.instructions[1];
    assert_eq!(run.heredocs[0].name, "EOF");
    assert_eq!(run.heredocs[0].body, "apt-get update\napt-get install -y --no-install-recommends ca-certificates\n");
    assert_eq!(
        words(&p, 1),
        vec![vec!["apt-get", "update"], vec!["apt-get", "install", "-y", "--no-install-recommends", "ca-certificates"]]
    );
    assert_eq!((p.spans[1].line, p.spans[1].end_line), (4, 7));
    // <<- strips tabs, quoted delimiter, body fed to `bash -e`.
    assert_eq!(df.instructions[2].heredocs[0].name, "SCRIPT");
    assert_eq!(df.instructions[2].heredocs[0].body, "pip install --no-cache-dir requests\n");
    assert_eq!(words(&p, 2), vec![vec!["bash", "-e"], vec!["pip", "install", "--no-cache-dir", "requests"]]);
    // COPY with two heredocs to a directory.
    let copy = &df.instructions[3];
    assert_eq!(copy.heredocs.len(), 2);
    assert_eq!(copy.heredocs[0].name, "app.conf");
    assert_eq!(copy.heredocs[1].name, "other.conf");
    assert_eq!(copy.heredocs[1].body, "debug $DEBUG\n");
    assert!(copy.heredocs.iter().all(|h| h.destination.as_deref() == Some("/etc/app/")));
    // A heredoc fed to python is not a shell script.
    assert_eq!(words(&p, 4), vec![vec!["python3"]]);
    assert_eq!(df.instructions[5].arguments, ["nginx"]);
    assert_eq!(p.spans[5].line, 19);
}

#[test]
fn unterminated_heredoc_is_a_located_error() {
    let p = parse("FROM a\nRUN <<EOF\necho\n");
    let e = p.diagnostics.iter().find(|d| d.is_error()).expect("error");
    assert_eq!(e.to_string(), "Dockerfile:2:1: unterminated heredoc `EOF` in `RUN`");
}

#[test]
fn exec_form_and_invalid_json_fallback() {
    let p = parse_ok(concat!(
        "FROM a\n",
        "CMD [\"python\", \"-c\", \"print(\\\"hi\\\")\", \"\\u00e9\"]\n",
        "ENTRYPOINT [\"/bin/sh\", 'x']\n",
        "RUN [\"sh\", \"-c\", \"apt-get update && apt-get install -y git\"]\n",
        "RUN [\"/usr/bin/env\", \"pip\", \"install\", \"x\"]\n",
        "CMD [ ]\n",
    ));
    let ins = &p.dockerfile.instructions;
    assert_eq!(ins[1].form, InstructionForm::Exec);
    assert_eq!(ins[1].arguments, ["python", "-c", "print(\"hi\")", "é"]);
    // Single quotes are not JSON: shell form, like Docker.
    assert_eq!(ins[2].form, InstructionForm::Shell);
    assert_eq!(ins[2].arguments, ["[\"/bin/sh\", 'x']"]);
    assert_eq!(words(&p, 3), vec![vec!["apt-get", "update"], vec!["apt-get", "install", "-y", "git"]]);
    assert_eq!(words(&p, 4), vec![vec!["/usr/bin/env", "pip", "install", "x"]]);
    assert_eq!(ins[5].form, InstructionForm::Exec);
    assert!(ins[5].arguments.is_empty());
}

#[test]
fn flags_of_every_kind() {
    let p = parse_ok(concat!(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
        "RUN --mount=type=cache,target=/root/.cache/go-build --network=none --security=insecure go build ./...\n",
        "FROM alpine\n",
        "COPY --from=build --chown=app:app --chmod=755 --link /out/app /usr/bin/app\n",
        "ADD --checksum=sha256:abc https://x/y.tar.gz /tmp/\n",
    ));
    let ins = &p.dockerfile.instructions;
    assert_eq!(p.dockerfile.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    let names: Vec<&str> = ins[1].flags.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["mount", "network", "security"]);
    assert_eq!(ins[1].flags[0].value.as_deref(), Some("type=cache,target=/root/.cache/go-build"));
    assert_eq!(words(&p, 1), vec![vec!["go", "build", "./..."]]);
    let copy: Vec<(&str, Option<&str>)> = ins[3].flags.iter().map(|f| (f.name.as_str(), f.value.as_deref())).collect();
    assert_eq!(copy, [("from", Some("build")), ("chown", Some("app:app")), ("chmod", Some("755")), ("link", None)]);
    assert_eq!(ins[3].arguments, ["/out/app", "/usr/bin/app"]);
    assert_eq!(p.dockerfile.stages[1].copies_from, [0]);
}

#[test]
fn unknown_flag_and_unknown_instruction_are_located_errors() {
    let p = parse("FROM a\nCOPY --bogus x y\nFORM b\n");
    let errors: Vec<String> = p.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert_eq!(
        errors,
        ["Dockerfile:2:1: unknown flag `--bogus` for `COPY`", "Dockerfile:3:1: unknown instruction `FORM`"]
    );
    // The unknown instruction is left out; spans stay aligned with instructions.
    assert_eq!(p.dockerfile.instructions.len(), 2);
    assert_eq!(p.spans.len(), 2);
}

#[test]
fn arg_substitution_in_from_and_stage_names() {
    let text = concat!(
        "ARG PY=3.11\n",
        "ARG VARIANT=slim\n",
        "ARG BASE=python:${PY}-${VARIANT:-bookworm}\n",
        "ARG STAGE\n",
        "FROM ${BASE} AS ${STAGE:-builder}\n",
        "FROM $BASE\n",
        "FROM builder AS final\n",
    );
    let p = parse_ok(text);
    let stages = &p.dockerfile.stages;
    assert_eq!(p.dockerfile.instructions[0].stage, None);
    match &stages[0].base {
        StageBase::Image(r) => {
            assert_eq!(r.raw, "python:3.11-slim");
            assert_eq!(r.tag.as_deref(), Some("3.11-slim"));
        }
        other => panic!("unexpected base {other:?}"),
    }
    assert_eq!(stages[0].name.as_deref(), Some("builder"));
    assert_eq!(stages[2].base, StageBase::Stage(0));

    // build.args override ARG defaults.
    let args = [
        KeyValue { name: "PY".into(), value: Some("3.12".into()) },
        KeyValue { name: "STAGE".into(), value: Some("Compile".into()) },
    ];
    let p = dockerfile::parse(text, Path::new("Dockerfile"), &args);
    match &p.dockerfile.stages[1].base {
        StageBase::Image(r) => assert_eq!(r.raw, "python:3.12-slim"),
        other => panic!("unexpected base {other:?}"),
    }
    assert_eq!(p.dockerfile.stages[0].name.as_deref(), Some("compile"));
    // `builder` no longer names a stage: it is an image.
    assert!(matches!(&p.dockerfile.stages[2].base, StageBase::Image(r) if r.repository == "builder"));
}

#[test]
fn env_and_label_both_forms() {
    let p = parse_ok(concat!(
        "FROM a\n",
        "ENV A=1 B=\"two words\" C=three\\ words\n",
        "ENV LEGACY value with spaces\n",
        "LABEL org.opencontainers.image.title=\"App\" version=1.0\n",
        "LABEL maintainer someone@example.com\n",
        "ENV PATH=/opt/venv/bin:$PATH\n",
    ));
    let ins = &p.dockerfile.instructions;
    assert_eq!(ins[1].arguments, ["A=1", "B=two words", "C=three words"]);
    assert_eq!(ins[2].arguments, ["LEGACY=value with spaces"]);
    assert_eq!(ins[3].arguments, ["org.opencontainers.image.title=App", "version=1.0"]);
    assert_eq!(ins[4].arguments, ["maintainer=someone@example.com"]);
    assert_eq!(ins[5].arguments, ["PATH=/opt/venv/bin:$PATH"]);
    let bad = parse("FROM a\nENV A=1 B\n");
    assert!(bad.diagnostics.iter().any(|d| d.is_error() && d.message.contains("can't find `=` in `B`")));
}

#[test]
fn healthcheck_options_and_none() {
    let p = parse_ok(concat!(
        "FROM a\n",
        "HEALTHCHECK --interval=1m30s --timeout=5s --start-period=500ms --start-interval=2s --retries=3 \\\n",
        "  CMD curl -f http://localhost/ || exit 1\n",
        "FROM b\n",
        "HEALTHCHECK CMD [\"/bin/check\", \"--fast\"]\n",
        "FROM c\n",
        "HEALTHCHECK NONE\n",
    ));
    let df = &p.dockerfile;
    let hc = dockerfile::healthcheck_of(&df.instructions[1]);
    assert_eq!(hc.test, ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]);
    assert_eq!(
        (hc.interval, hc.timeout, hc.start_period, hc.start_interval, hc.retries),
        (Some(90_000), Some(5_000), Some(500), Some(2_000), Some(3))
    );
    assert_eq!(dockerfile::healthcheck_of(&df.instructions[3]).test, ["CMD", "/bin/check", "--fast"]);
    let none = dockerfile::healthcheck_of(&df.instructions[5]);
    assert!(none.disabled);
    assert_eq!(none.test, ["NONE"]);
    let bad = parse("FROM a\nHEALTHCHECK --interval=soon CMD true\nHEALTHCHECK PING\n");
    let errors: Vec<&str> = bad.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert_eq!(
        errors,
        [
            "invalid value `soon` for `HEALTHCHECK --interval`",
            "unknown type `PING` for `HEALTHCHECK`: expected `CMD` or `NONE`"
        ]
    );
}

#[test]
fn onbuild_shell_and_other_instructions() {
    let p = parse_ok(concat!(
        "FROM a\n",
        "ONBUILD RUN make install\n",
        "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
        "RUN curl x | sh\n",
        "CMD serve --port 80\n",
        "EXPOSE 80/tcp 443\n",
        "USER 1000:1000\n",
        "VOLUME /data /logs\n",
        "STOPSIGNAL SIGTERM\n",
        "MAINTAINER me\n",
    ));
    let ins = &p.dockerfile.instructions;
    assert_eq!(ins[1].arguments, ["RUN", "make install"]);
    assert_eq!(ins[2].arguments, ["/bin/bash", "-o", "pipefail", "-c"]);
    assert_eq!(words(&p, 3), vec![vec!["curl", "x"], vec!["sh"]]);
    assert_eq!(ins[5].arguments, ["80/tcp", "443"]);
    assert_eq!(ins[6].arguments, ["1000:1000"]);
    assert_eq!(ins[7].arguments, ["/data", "/logs"]);
    let cfg = dockerfile::image_config(&p.dockerfile, 0);
    assert_eq!(
        cfg.cmd.as_deref(),
        Some(&["/bin/bash", "-o", "pipefail", "-c", "serve --port 80"].map(String::from)[..])
    );
    assert_eq!(cfg.user.as_deref(), Some("1000:1000"));
    assert_eq!(cfg.exposed, ["80/tcp", "443"]);

    let bad = parse("FROM a\nSHELL /bin/bash -c\nONBUILD FROM b\n");
    let errors: Vec<&str> = bad.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert_eq!(errors, ["`SHELL` requires its arguments in JSON form", "`FROM` is not allowed in `ONBUILD`"]);
}

#[test]
fn stage_graph() {
    let p = parse_ok(concat!(
        "FROM node:20 AS deps\n",
        "RUN npm ci\n",
        "FROM deps AS build\n",
        "RUN --mount=type=bind,from=deps,source=/x,target=/y npm run build\n",
        "FROM scratch AS assets\n",
        "COPY --from=build /app/dist /dist\n",
        "FROM nginx:alpine\n",
        "COPY --from=assets /dist /usr/share/nginx/html\n",
        "COPY --from=0 /x /x\n",
        "COPY --from=missing-stage /y /y\n",
        "COPY --from=busybox:1.36 /bin/sh /sh\n",
    ));
    let s = &p.dockerfile.stages;
    assert_eq!(s.len(), 4);
    assert_eq!(s[1].base, StageBase::Stage(0));
    assert_eq!(s[1].copies_from, [0]);
    assert_eq!(s[2].base, StageBase::Scratch);
    assert_eq!(s[2].copies_from, [1]);
    assert_eq!(s[3].name, None);
    assert_eq!(s[3].copies_from, [2, 0]);
    assert_eq!(s[3].from_instruction, 6);
    assert_eq!(s[3].instructions, [6, 7, 8, 9, 10]);
    // An unknown stage stays visible in the flag for rules to report.
    assert_eq!(p.dockerfile.instructions[9].flags[0].value.as_deref(), Some("missing-stage"));
    assert_eq!(dockerfile::target_stage(&p.dockerfile, Some("BUILD")), Some(1));
    assert_eq!(dockerfile::target_stage(&p.dockerfile, None), Some(3));
    assert_eq!(dockerfile::target_stage(&p.dockerfile, Some("nope")), None);
    assert_eq!(dockerfile::stage_chain(&p.dockerfile, 1), [0, 1]);
}

#[test]
fn image_config_follows_the_base_chain() {
    let p = parse_ok(concat!(
        "FROM python:3.11-slim AS base\n",
        "ENV A=1 PATH=/venv/bin:$PATH\n",
        "USER app\n",
        "HEALTHCHECK CMD curl -f localhost\n",
        "CMD [\"base\"]\n",
        "FROM base AS api\n",
        "ENV A=2 B=${A}x\n",
        "ENTRYPOINT [\"tini\", \"--\"]\n",
        "EXPOSE 8000\n",
    ));
    let cfg = dockerfile::image_config(&p.dockerfile, 1);
    assert_eq!(cfg.user.as_deref(), Some("app"));
    assert_eq!(
        cfg.healthcheck.as_ref().map(|h| h.test.clone()),
        Some(vec!["CMD-SHELL".into(), "curl -f localhost".into()])
    );
    // ENTRYPOINT in a later stage resets the CMD it inherited.
    assert_eq!(cfg.cmd, None);
    assert_eq!(cfg.entrypoint, Some(vec!["tini".into(), "--".into()]));
    let env: Vec<(&str, &str)> =
        cfg.env.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref().unwrap_or_default())).collect();
    assert_eq!(env, [("PATH", "/venv/bin:$PATH"), ("A", "2"), ("B", "2x")]);
}

#[test]
fn structural_errors_are_located() {
    let p = parse("RUN echo\nFROM a\n");
    let e = p.diagnostics.iter().find(|d| d.is_error()).expect("error");
    assert_eq!(e.to_string(), "Dockerfile:1:1: `RUN` before the first `FROM`: only `ARG` may come first");
    let p = parse("# just a comment\n");
    assert_eq!(p.diagnostics[0].to_string(), "Dockerfile:1:1: dockerfile has no instructions");
    let p = parse("FROM a b\nCOPY x\n");
    let errors: Vec<&str> = p.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert_eq!(
        errors,
        [
            "`FROM` requires either one argument, or three: `FROM image AS name`",
            "`COPY` requires at least two arguments"
        ]
    );
}

#[test]
fn never_panics_on_hostile_input() {
    let inputs = [
        "",
        "\u{feff}",
        "\\",
        "FROM",
        "FROM a\nRUN \\",
        "FROM a\nRUN <<",
        "FROM a\nCOPY <<- /x",
        "FROM ${",
        "ARG A=${A\nFROM $A",
        "FROM a\nHEALTHCHECK",
        "FROM a\nONBUILD",
        "# escape=x\nFROM a",
        "FROM a\nENV =",
        "FROM a\nLABEL \"",
        "FROM a\nRUN [\"a\",",
        "FROM a\nRUN --mount=from= x",
        "FROM a\nCOPY --from=99 a b",
        "\u{0}\u{1}FROM é\nRUN ééé 'é",
        "FROM a\nRUN 3<<EOF\nEOF",
    ];
    for input in inputs {
        let p = parse(input);
        assert_eq!(p.spans.len(), p.dockerfile.instructions.len(), "{input:?}");
        for d in &p.diagnostics {
            assert!(d.location.is_some(), "{input:?}: {d}");
        }
    }
}
