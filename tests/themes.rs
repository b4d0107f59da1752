//! A site can override any template or asset of its theme.

mod common;
use common::*;

#[test]
fn a_site_template_and_asset_override_the_theme() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Nothing here, {{ site.authority }}</h1>{% endblock %}",
    );
    site.write("static/css/site.css", "/* the council's own styles */\n");
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let out = site.output();
    assert!(std::fs::read_to_string(out.join("404.html")).unwrap().contains("<h1>Nothing here, Test Council</h1>"));
    assert_eq!(std::fs::read_to_string(out.join("css/site.css")).unwrap(), "/* the council's own styles */\n");
    // Everything not overridden still comes from the theme.
    assert!(out.join("css/print.css").exists());
    assert!(std::fs::read_to_string(out.join("providers/test-provider/index.html")).unwrap().contains("Test Provider"));
}

#[test]
fn template_syntax_errors_in_every_template_are_reported_with_line_and_column() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.write("templates/404.html", "{% extends \"base.html\" %}\n{% block content %}{{ oops( }}{% endblock %}");
    site.write("templates/page.html", "{% extends \"base.html\" %}\n\n{% block content %}{% if %}{% endblock %}");
    let d = site.errors();
    let syntax = d.with_code("template-syntax");
    assert_eq!(syntax.len(), 2, "{}", d.render(false));
    let locations: Vec<String> = syntax.iter().map(|s| s.location()).collect();
    assert!(locations.iter().any(|l| l.starts_with("templates/404.html:2:")), "{locations:?}");
    assert!(locations.iter().any(|l| l.starts_with("templates/page.html:3:")), "{locations:?}");
}
