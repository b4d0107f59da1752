//! A site can override any template or asset of its theme.

use crate::common;
use common::*;

#[test]
fn a_site_template_and_asset_override_the_theme() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.write("templates/404.html", "{% extends \"base.html\" %}{% block content %}<h1>Nothing here, {{ site.authority }}</h1>{% endblock %}");
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
    assert_eq!(d.with_code("template-syntax").len(), 2, "{}", d.render(false));
    assert_reported_at(&d, "template-syntax", "templates/404.html:2:");
    assert_reported_at(&d, "template-syntax", "templates/page.html:3:");
}

#[test]
fn a_render_error_in_a_guide_template_is_reported_with_those_of_the_other_pages() {
    // A build writes the guide's pages first: a problem there must not hide the others'.
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.write("templates/section.html", "{% extends \"base.html\" %}{% block content %}{{ page.no_such_field }}{% endblock %}");
    site.write("templates/provider.html", "{% extends \"base.html\" %}{% block content %}{{ provider.no_such_field }}{% endblock %}");
    let d = site.errors();
    assert_reported_at(&d, "template-render", "templates/section.html:1:");
    assert_reported_at(&d, "template-render", "templates/provider.html:1:");
}

#[test]
fn a_sites_provider_card_is_used_on_every_listing_page() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    // Cards are rendered once each and shown as `p.html` by the theme's listing page.
    site.write("templates/partials/provider_card.html", "<li class=\"own-card\">{{ p.name }} in {{ site.authority }}</li>");
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let out = site.output();
    let listings: Vec<std::path::PathBuf> = ["providers/index.html", "tiers/2/index.html"].iter().map(|p| out.join(p)).collect();
    for page in &listings {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(html.contains("<li class=\"own-card\">Test Provider in Test Council</li>"), "{}", page.display());
        assert!(!html.contains("class=\"card\""), "{}: the theme's card is not used", page.display());
    }

    // A site listing page written the earlier way, including the partial itself, still works.
    let theme_listing =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/listing.html")).unwrap();
    site.write("templates/listing.html", &theme_listing.replace("{{ p.html | safe }}", "{% include \"partials/provider_card.html\" %}"));
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let html = std::fs::read_to_string(out.join("providers/index.html")).unwrap();
    assert!(html.contains("<li class=\"own-card\">Test Provider in Test Council</li>"));

    // A card template that cannot render is one error, not one per provider.
    site.provider("second", &VALID_PROVIDER.replace("Test Provider", "Second Provider"));
    site.write("templates/partials/provider_card.html", "<li>{{ p.no_such_field.x }}</li>");
    let d = site.errors();
    assert_eq!(d.with_code("template-render").len(), 1, "{}", d.render(false));
}

#[test]
fn a_listing_template_that_reads_more_of_a_card_than_its_html_gets_every_field() {
    // The default listing page reads only each card's HTML, so the cards keep only that; a
    // template of the site's own that reads more must still find it.
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let theme_listing =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/listing.html")).unwrap();
    let the_loop = "{% for p in providers %}{{ p.html | safe }}{% endfor %}";
    assert!(theme_listing.contains(the_loop), "the theme's listing loop changed: update this test");
    let names = "{% for q in providers %}<span class=\"own-name\">{{ q.name }}</span>{% endfor %}";
    site.write("templates/listing.html", &theme_listing.replace(the_loop, &format!("{the_loop}{names}")));
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let html = std::fs::read_to_string(site.output().join("providers/index.html")).unwrap();
    assert!(html.contains("<span class=\"own-name\">Test Provider</span>"), "a second loop reads the card's name");
    assert!(html.contains("class=\"card"), "the theme's cards are still written");

    // The same through a partial the listing page includes.
    site.write("templates/listing.html", &theme_listing);
    site.write("templates/partials/pagination.html", &format!("<p class=\"own-pages\">{names}</p>"));
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let html = std::fs::read_to_string(site.output().join("providers/index.html")).unwrap();
    assert!(html.contains("<span class=\"own-name\">Test Provider</span>"), "an included partial reads the card's name");
}
