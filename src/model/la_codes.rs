//! The 3-digit DfE codes of English local authorities (reference/la_codes_england.csv, from
//! the DfE's AP census statistics; source and licence in reference/SOURCES.md).

/// `la_code,gss_code,name,latest_period_in_source`, one authority a line after the header.
const LA_CODES: &str = include_str!("../../reference/la_codes_england.csv");

/// Authorities created after the statistics the file comes from (April 2023, from Cumbria).
const ADDED_SINCE_SOURCE: &[(u16, &str)] = &[(942, "Cumberland"), (943, "Westmorland and Furness")];

/// The name of the English local authority with DfE code `code`, if there is one.
pub fn english_la_name(code: u16) -> Option<&'static str> {
    BY_CODE.get(&code).copied()
}

/// Every authority by code, read once: the lookup runs for every provider record.
static BY_CODE: std::sync::LazyLock<std::collections::HashMap<u16, &'static str>> = std::sync::LazyLock::new(|| {
    let from_source = LA_CODES.lines().skip(1).filter_map(|line| {
        let (c, rest) = line.split_once(',')?;
        // gss_code, then the name (quoted when it has a comma), then the period.
        let (_, rest) = rest.split_once(',')?;
        let name = rest.rsplit_once(',')?.0;
        Some((c.parse::<u16>().ok()?, name.trim_matches('"')))
    });
    // The authorities added since take the place of any older line with their code.
    from_source.chain(ADDED_SINCE_SOURCE.iter().copied()).collect()
});

/// Whether `code` is the DfE code of an English local authority.
pub fn is_english_la_code(code: u16) -> bool {
    english_la_name(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes_are_known_and_others_are_not() {
        assert_eq!(english_la_name(888), Some("Lancashire"));
        assert_eq!(english_la_name(839), Some("Bournemouth, Christchurch and Poole"));
        assert!(is_english_la_code(942) && is_english_la_code(201));
        assert!(!is_english_la_code(0) && !is_english_la_code(999) && !is_english_la_code(100));
    }

    #[test]
    fn every_line_of_the_file_is_read() {
        let n = LA_CODES.lines().skip(1).filter(|l| !l.is_empty()).count();
        let read = (0..1000).filter(|&c| english_la_name(c).is_some()).count();
        assert_eq!(read, n + ADDED_SINCE_SOURCE.len());
    }
}
