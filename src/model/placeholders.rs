//! The scaffolds' placeholder text, here in the foundation so that both `scaffold` (which
//! writes it) and `validate` (which refuses to publish it) can read it without `validate`
//! importing a feature module.

/// Text of the scaffolds that must not reach a published record or page (see
/// `validate::placeholders`). The first ones are today's; the rest are from earlier
/// scaffolds.
pub const PLACEHOLDERS: &[&str] = &[
    "One sentence: who the provision is for and what it offers.",
    "A short description in Markdown: the programme, a typical week, how pupils return to school.",
    "1 Example Street",
    "referrals@example.org",
    "01772 000000",
    "One sentence about what this page helps the reader do.",
    "An opening paragraph: who this page is for and what it covers.",
    "Write in plain English. Link to other pages like this",
];
