//! Substring search through an index of character bigrams.
//!
//! Chinese has no spaces between words, and the words people search for are often two
//! characters long (存储, 打印, 断网), which a trigram index cannot find. So a text is cut into
//! runs of letters and digits (anything else separates runs), each run is lowercased and cut
//! into overlapping pairs of characters: "HIS 挂号" → `his` `挂号` → "hi is 挂号". A search for a
//! run of two or more characters needs every one of its pairs in the text; SQLite keeps them in
//! an FTS5 table (where the pairs must also be adjacent, a phrase), PostgreSQL in a `text[]`
//! column with a GIN index. The pairs narrow the search to candidates; the exact substring test
//! (`LIKE`) still decides, so the index changes only the speed, never the answer.

/// The runs of letters and digits of `text`, lowercased.
fn runs(text: &str) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut cur: Vec<char> = Vec::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn pairs(run: &[char]) -> impl Iterator<Item = String> + '_ {
    run.windows(2).map(|w| w.iter().collect())
}

/// The bigrams of a stored text, in order, separated by spaces (one FTS5 "document": the
/// `ascii` tokenizer splits only on spaces and ASCII punctuation, which no bigram contains).
pub fn document(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for run in runs(text) {
        for p in pairs(&run) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&p);
        }
    }
    out
}

/// The distinct bigrams of a stored text (the PostgreSQL column), sorted.
pub fn distinct(text: &str) -> Vec<String> {
    let mut v: Vec<String> = runs(text).iter().flat_map(|r| pairs(r).collect::<Vec<_>>()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// What an index can contribute to a search for `query`: the bigrams of each run of two or more
/// characters. Empty when the query has no such run (a single character, punctuation only):
/// then only a scan can answer it.
pub fn query(query: &str) -> Vec<Vec<String>> {
    runs(query).iter().filter(|r| r.len() >= 2).map(|r| pairs(r).collect()).collect()
}

/// An FTS5 `MATCH` expression for [`query`]'s runs: each run a phrase, all runs required.
pub fn fts5_match(runs: &[Vec<String>]) -> String {
    runs.iter().map(|r| format!("\"{}\"", r.join(" "))).collect::<Vec<_>>().join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_becomes_the_bigrams_of_its_runs() {
        assert_eq!(document("HIS 挂号收费"), "hi is 挂号 号收 收费");
        assert_eq!(document("ORA-00600!"), "or ra 00 06 60 00");
        assert_eq!(document("  —— "), "");
        assert_eq!(document("网"), "");
        assert_eq!(distinct("存储存储"), vec!["储存", "存储"]);
    }

    #[test]
    fn a_query_keeps_only_runs_of_two_or_more_characters() {
        assert_eq!(query("存储"), vec![vec!["存储".to_owned()]]);
        assert_eq!(query("网 PACS"), vec![vec!["pa".to_owned(), "ac".to_owned(), "cs".to_owned()]]);
        assert!(query("网").is_empty());
        assert!(query("#%_").is_empty());
        assert_eq!(fts5_match(&query("#12345 存储")), "\"12 23 34 45\" AND \"存储\"");
    }

    #[test]
    fn every_substring_of_two_or_more_letters_has_its_bigrams_in_the_document() {
        let text = "PACS 影像调阅缓慢，放射科 3 号机 Oracle ORA-01555";
        let doc: Vec<String> = document(text).split(' ').map(str::to_owned).collect();
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            for j in i + 2..=chars.len() {
                let sub: String = chars[i..j].iter().collect();
                for run in query(&sub) {
                    // A phrase: the run's bigrams appear consecutively in the document.
                    let found = doc.windows(run.len()).any(|w| w == run.as_slice());
                    assert!(found, "{sub:?} not found in the index of {text:?}");
                }
            }
        }
    }
}
