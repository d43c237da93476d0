use super::*;

fn query(name: &str, format: Option<&str>) -> IngestQuery {
    IngestQuery {
        name: name.into(),
        from: Some(1_700_000_000),
        until: Some(1_700_000_010),
        format: format.map(Into::into),
        ..IngestQuery::default()
    }
}

/// `ingest_body` within a generous decoded-size bound.
fn ingest_within(
    query: &IngestQuery,
    form: BodyForm,
    body: bytes::Bytes,
) -> Result<Vec<Pushed>, IngestError> {
    ingest_body(query, form, body, 1 << 30)
}

#[test]
fn the_form_follows_the_format_then_the_content() {
    let gzip = [0x1f, 0x8b, 8, 0];
    assert_eq!(
        BodyForm::of(Some("pprof"), "binary/octet-stream", b"x"),
        Ok(BodyForm::Pprof)
    );
    assert_eq!(
        BodyForm::of(None, "application/octet-stream", &gzip),
        Ok(BodyForm::Pprof)
    );
    assert_eq!(
        BodyForm::of(None, "text/plain", b"a;b 1"),
        Ok(BodyForm::Folded)
    );
    assert_eq!(
        BodyForm::of(Some("groups"), "", b"a;b 1"),
        Ok(BodyForm::Folded)
    );
    assert_eq!(BodyForm::of(Some("lines"), "", b"a;b"), Ok(BodyForm::Lines));
    assert_eq!(
        BodyForm::of(Some("pprof"), "multipart/form-data; boundary=XyZ", b""),
        Ok(BodyForm::Multipart("XyZ".into()))
    );
    for format in ["trie", "tree", "speedscope"] {
        let refused = BodyForm::of(Some(format), "", b"");
        assert!(
            matches!(&refused, Err(IngestError::Unsupported(m)) if m.contains(format)),
            "{refused:?}"
        );
    }
}

#[test]
fn folded_text_becomes_a_pprof_of_samples_at_the_sample_rate() {
    let mut q = query("web{version=2}", Some("folded"));
    q.sample_rate = Some(100);
    let pushed =
        ingest_within(&q, BodyForm::Folded, "main;work 30\nmain;idle 10\n".into()).unwrap();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].app, "web");
    assert_eq!(pushed[0].labels.pairs(), [("version", "2")]);
    assert_eq!(pushed[0].window, Some((1_700_000_000, 1_700_000_010)));
    let limits = pf_pprof::Limits {
        max_decoded_bytes: 1 << 20,
        max_stack_depth: 100,
    };
    let parsed = pf_pprof::parse_file(&pushed[0].pprof, limits).unwrap();
    assert_eq!(parsed.sample_types[0].name(), "samples/count");
    assert_eq!(
        parsed.period_type.as_ref().map(|t| t.name()).as_deref(),
        Some("cpu/nanoseconds")
    );
    let stats = parsed.stats(0).unwrap();
    assert_eq!(stats.total_samples, 40);
}

#[test]
fn lines_count_one_per_stack_and_an_empty_body_is_no_profile() {
    let pushed = ingest_within(
        &query("a", Some("lines")),
        BodyForm::Lines,
        "x;y\nx;y\nx;z\n".into(),
    )
    .unwrap();
    let limits = pf_pprof::Limits {
        max_decoded_bytes: 1 << 20,
        max_stack_depth: 100,
    };
    let parsed = pf_pprof::parse_file(&pushed[0].pprof, limits).unwrap();
    assert_eq!(parsed.stats(0).unwrap().total_samples, 3);
    let none = ingest_within(&query("a", None), BodyForm::Folded, "\n\n".into()).unwrap();
    assert!(none.is_empty());
}

fn multipart(parts: &[(&str, &[u8])]) -> bytes::Bytes {
    let mut body = Vec::new();
    for (name, content) in parts {
        body.extend_from_slice(
            format!("--B0UND\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--B0UND--\r\n");
    body.into()
}

#[test]
fn a_multipart_body_gives_its_profile_part() {
    let body = multipart(&[("sample_type_config", b"{}"), ("profile", b"\x1f\x8bpprof")]);
    let pushed =
        ingest_within(&query("n", None), BodyForm::Multipart("B0UND".into()), body).unwrap();
    assert_eq!(&pushed[0].pprof[..], b"\x1f\x8bpprof");
}

#[test]
fn a_multipart_body_without_a_profile_or_with_a_delta_is_refused() {
    let form = || BodyForm::Multipart("B0UND".into());
    let missing = ingest_within(&query("n", None), form(), multipart(&[("other", b"x")]));
    assert!(
        matches!(missing, Err(IngestError::Malformed(_))),
        "{missing:?}"
    );
    let delta = multipart(&[("profile", b"x"), ("prev_profile", b"y")]);
    let refused = ingest_within(&query("n", None), form(), delta);
    assert!(
        matches!(refused, Err(IngestError::Unprocessable(_))),
        "{refused:?}"
    );
    let config = multipart(&[("sample_type_config", b"{not json"), ("profile", b"x")]);
    let refused = ingest_within(&query("n", None), form(), config);
    assert!(
        matches!(refused, Err(IngestError::Malformed(_))),
        "{refused:?}"
    );
}

#[test]
fn the_go_sdks_sample_type_config_names_mutex_and_block_apart() {
    // As pyroscope-go 1.5 sends them (its sample_types.go), byte for byte.
    let mutex = br#"{"contentions":{"units":"lock_samples","display-name":"mutex_count"},"delay":{"units":"lock_nanoseconds","display-name":"mutex_duration"}}"#;
    let block = br#"{"contentions":{"units":"lock_samples","display-name":"block_count"},"delay":{"units":"lock_nanoseconds","display-name":"block_duration"}}"#;
    let heap = br#"{"alloc_objects":{"units":"objects"},"alloc_space":{"units":"bytes"},"inuse_objects":{"units":"objects","aggregation":"average"},"inuse_space":{"units":"bytes","aggregation":"average"}}"#;
    let form = || BodyForm::Multipart("B0UND".into());
    for (config, series) in [
        (&mutex[..], Some("mutex")),
        (&block[..], Some("block")),
        (&heap[..], None),
    ] {
        let body = multipart(&[
            ("profile", b"\x1f\x8bpprof"),
            ("sample_type_config", config),
        ]);
        let pushed = ingest_within(&query("go{version=1}", None), form(), body).unwrap();
        let name = pushed[0]
            .labels
            .pairs()
            .into_iter()
            .find(|(k, _)| *k == "__name__");
        assert_eq!(name.map(|(_, v)| v), series);
        assert_eq!(&pushed[0].pprof[..], b"\x1f\x8bpprof");
    }
    let cumulative = br#"{"alloc_space":{"units":"bytes","cumulative":true}}"#;
    let body = multipart(&[("profile", b"x"), ("sample_type_config", cumulative)]);
    let refused = ingest_within(&query("go", None), form(), body);
    assert!(
        matches!(&refused, Err(IngestError::Unprocessable(m)) if m.contains("alloc_space")),
        "{refused:?}"
    );
}

#[test]
fn from_and_until_are_read_in_the_unit_their_size_says() {
    // The Go SDK's window, in nanoseconds: [start, end) widened to whole seconds.
    let mut q = query("go", Some("folded"));
    (q.from, q.until) = (
        Some(1_795_808_415_000_000_000),
        Some(1_795_808_421_606_553_871),
    );
    let pushed = ingest_within(&q, BodyForm::Folded, "a 1".into()).unwrap();
    assert_eq!(pushed[0].window, Some((1_795_808_415, 1_795_808_422)));
    for (from, until) in [
        (1_700_000_000_000, 1_700_000_010_000),
        (1_700_000_000_000_000, 1_700_000_010_000_000),
        (1_700_000_000, 1_700_000_010),
    ] {
        (q.from, q.until) = (Some(from), Some(until));
        let pushed = ingest_within(&q, BodyForm::Folded, "a 1".into()).unwrap();
        assert_eq!(
            pushed[0].window,
            Some((1_700_000_000, 1_700_000_010)),
            "{from}"
        );
    }
}

#[test]
fn a_backwards_window_or_a_bad_folded_line_is_refused() {
    let mut q = query("a", Some("folded"));
    q.until = Some(1_600_000_000);
    assert!(ingest_within(&q, BodyForm::Folded, "a 1".into()).is_err());
    let q = query("a", Some("folded"));
    assert!(ingest_within(&q, BodyForm::Folded, "a;b notanumber".into()).is_err());
    let mut q = query("a", Some("folded"));
    q.units = Some("furlongs".into());
    assert!(ingest_within(&q, BodyForm::Folded, "a 1".into()).is_err());
}

#[test]
fn a_jfr_is_read_raw_or_from_the_part_jfr_and_garbage_is_a_reason() {
    assert_eq!(
        BodyForm::of(Some("jfr"), "application/octet-stream", b"FLR\0"),
        Ok(BodyForm::Jfr)
    );
    let raw = ingest_within(
        &query("java", Some("jfr")),
        BodyForm::Jfr,
        "FLR\0 cut short".into(),
    );
    assert!(
        matches!(&raw, Err(IngestError::Malformed(m)) if m.contains("JFR")),
        "{raw:?}"
    );
    let body = multipart(&[("jfr", b"garbage"), ("labels", b"")]);
    let parted = ingest_within(
        &query("java", Some("jfr")),
        BodyForm::Multipart("B0UND".into()),
        body,
    );
    assert!(
        matches!(&parted, Err(IngestError::Malformed(m)) if m.contains("magic")),
        "{parted:?}"
    );
}
