//! The README and docs/ say what the program does: the command-line reference (docs/cli.md)
//! names every command and flag clap knows and no other, and every link between the docs
//! leads somewhere.

use crate::common::*;
use std::collections::BTreeSet;
use std::process::Command;

/// `apdir <path> --help`, as text.
fn help(path: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_apdir")).args(path).arg("--help").env("NO_COLOR", "1").output().unwrap();
    assert!(out.status.success(), "{path:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands (from the "Commands:" section) and the long flags (from the option lines)
/// of one `--help` text.
fn parse_help(text: &str) -> (Vec<String>, BTreeSet<String>) {
    let mut commands = Vec::new();
    let mut flags = BTreeSet::new();
    let mut in_commands = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_commands = line == "Commands:";
            continue;
        }
        let entry = line.trim_start();
        if in_commands && line.starts_with("  ") && !line[2..].starts_with(' ') {
            let name = entry.split_whitespace().next().unwrap();
            if name != "help" {
                commands.push(name.to_string());
            }
        } else if entry.starts_with('-') {
            // `-o, --output <OUTPUT>  Write the site here…`: only what comes before the description.
            let names = entry.split("  ").next().unwrap();
            flags.extend(long_flags(names));
        }
    }
    (commands, flags)
}

/// Every `--flag` in a text.
fn long_flags(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("--") {
        let name: String = text[i + 2..].chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
        if name.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.insert(format!("--{}", name.trim_end_matches('-')));
        }
    }
    out
}

/// The text of the section of docs/cli.md headed "## `apdir NAME…`", up to the next "## ".
fn section<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let heading = format!("## `apdir {name}");
    let start = doc.match_indices(&heading).map(|(i, _)| i).find(|&i| {
        let after = doc[i + heading.len()..].chars().next();
        (i == 0 || doc.as_bytes()[i - 1] == b'\n') && matches!(after, Some(' ' | '`'))
    })?;
    let body = &doc[start + heading.len()..];
    Some(&body[..body.find("\n## ").unwrap_or(body.len())])
}

#[test]
fn the_cli_reference_names_every_command_and_flag_clap_knows_and_no_other() {
    let doc = std::fs::read_to_string(repo().join("docs/cli.md")).unwrap();
    let (commands, global) = parse_help(&help(&[]));
    assert!(commands.len() >= 9, "{commands:?}");
    let synopsis = &doc[..doc.find("\n## `apdir").expect("docs/cli.md has a section per command")];
    for flag in &global {
        assert!(synopsis.contains(flag.as_str()), "docs/cli.md's opening (before the first command) should name the global flag {flag}");
    }
    let mut known = global.clone();
    for command in &commands {
        let text = section(&doc, command).unwrap_or_else(|| panic!("docs/cli.md has no section headed \"## `apdir {command}…`\""));
        let (subcommands, flags) = parse_help(&help(&[command]));
        let mut all = flags;
        for sub in &subcommands {
            assert!(text.contains(&format!("apdir {command} {sub}")), "docs/cli.md's `apdir {command}` section should show `apdir {command} {sub}`");
            all.extend(parse_help(&help(&[command, sub])).1);
        }
        for flag in all.difference(&global) {
            assert!(text.contains(flag.as_str()), "docs/cli.md's `apdir {command}` section does not name {flag}, which clap knows");
        }
        known.extend(all);
    }
    let named = long_flags(&doc);
    let unknown: Vec<&String> = named.difference(&known).collect();
    assert!(unknown.is_empty(), "docs/cli.md names flags that clap does not know: {unknown:?}");
}

#[test]
fn the_readme_is_a_short_front_door_and_every_doc_link_leads_somewhere() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.lines().count() <= 220, "the README is a front door: the reference lives in docs/");
    let index = std::fs::read_to_string(repo().join("docs/README.md")).unwrap();
    let mut docs: Vec<std::path::PathBuf> = std::fs::read_dir(repo().join("docs")).unwrap().map(|e| e.unwrap().path()).collect();
    docs.sort();
    for path in &docs {
        let name = path.file_name().unwrap().to_string_lossy();
        if name.ends_with(".md") && name != "README.md" {
            assert!(index.contains(&format!("({name})")), "docs/README.md should list {name}");
        }
    }
    docs.push(repo().join("README.md"));
    for path in docs.iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
            let file = target.split('#').next().unwrap();
            // `@/…` and `@provider/…` are apdir's own links, shown in the format reference.
            if file.is_empty() || file.contains("://") || file.starts_with("mailto:") || file.starts_with('@') {
                continue;
            }
            let resolved = path.parent().unwrap().join(file);
            assert!(resolved.exists(), "{} links to {target}, which does not exist", path.display());
        }
    }
}
