//! What is known about the user choosing a password, so it can't be built from their own details.

use crate::violation::PersonalField;

/// Fragments shorter than this are not refused on their own: "Jan" or "Li" would also
/// forbid "January" or "Linux". zxcvbn still sees shorter ones (down to the next limit).
const MIN_PERSONAL_WORD_CHARS: usize = 4;
/// Shortest fragment handed to zxcvbn; shorter ones match almost any password.
const MIN_STRENGTH_INPUT_CHARS: usize = 3;

/// The user's details a password must not contain. All optional; empty by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyContext<'a> {
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub org_name: Option<&'a str>,
    /// Further words to refuse, such as the site's own name.
    pub extra: &'a [&'a str],
}

impl PolicyContext<'_> {
    /// Inputs for zxcvbn, which lowers the score of passwords built from them. zxcvbn only
    /// matches whole inputs, so the words of each field are passed as well as the field.
    pub(crate) fn strength_inputs(&self) -> Vec<String> {
        let mut inputs: Vec<String> = Vec::new();
        for (_field, text) in self.fields() {
            let words = words_of(text, MIN_STRENGTH_INPUT_CHARS);
            for input in std::iter::once(text.to_lowercase()).chain(words) {
                if !input.is_empty() && !inputs.contains(&input) {
                    inputs.push(input);
                }
            }
        }
        inputs
    }

    /// Lower-case words a password may not contain, each with the field it came from.
    pub(crate) fn personal_words(&self) -> Vec<(PersonalField, String)> {
        let mut words: Vec<(PersonalField, String)> = Vec::new();
        for (field, text) in self.fields() {
            for word in words_of(text, MIN_PERSONAL_WORD_CHARS) {
                if !words.iter().any(|(f, w)| *f == field && *w == word) {
                    words.push((field, word));
                }
            }
        }
        words
    }

    /// Each detail with its field; for the email only the local part, because the domain is
    /// shared by everyone at the organisation (and the organisation has its own field).
    fn fields(&self) -> Vec<(PersonalField, &str)> {
        let email = self
            .email
            .map(|e| (PersonalField::Email, email_local_part(e)));
        let name = self.name.map(|n| (PersonalField::Name, n));
        let org = self.org_name.map(|o| (PersonalField::Organisation, o));
        let extra = self.extra.iter().map(|&x| (PersonalField::Other, x));
        [email, name, org]
            .into_iter()
            .flatten()
            .chain(extra)
            .collect()
    }
}

fn email_local_part(email: &str) -> &str {
    email
        .rsplit_once('@')
        .map_or(email, |(local, _domain)| local)
}

/// The text without separators ("anna.de.vries" → "annadevries") and each of its
/// alphanumeric pieces, lower case, keeping those of at least `min_chars` chars.
fn words_of(text: &str, min_chars: usize) -> Vec<String> {
    let lower = text.to_lowercase();
    let joined: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    let pieces = lower
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_owned);
    std::iter::once(joined)
        .chain(pieces)
        .filter(|word| word.chars().count() >= min_chars)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned<T: Copy>(items: &[(T, &str)]) -> Vec<(T, String)> {
        items.iter().map(|(t, s)| (*t, (*s).to_owned())).collect()
    }

    #[test]
    fn splits_email_local_part_name_and_organisation() {
        let context = PolicyContext {
            email: Some("Anna.de.Vries+poort@example.org"),
            name: Some("Anna de Vries"),
            org_name: Some("Li Wu"),
            extra: &["Poort"],
        };
        assert_eq!(
            context.personal_words(),
            owned(&[
                (PersonalField::Email, "annadevriespoort"),
                (PersonalField::Email, "anna"),
                (PersonalField::Email, "vries"),
                (PersonalField::Email, "poort"),
                (PersonalField::Name, "annadevries"),
                (PersonalField::Name, "anna"),
                (PersonalField::Name, "vries"),
                (PersonalField::Organisation, "liwu"),
                (PersonalField::Other, "poort"),
            ])
        );
    }

    #[test]
    fn strength_inputs_hold_fields_and_their_words_once() {
        let context = PolicyContext {
            email: Some("bob.jansen@example.org"),
            name: Some("Bob Jansen"),
            org_name: Some(""),
            extra: &[],
        };
        let expected = ["bob.jansen", "bobjansen", "bob", "jansen", "bob jansen"];
        assert_eq!(
            context.strength_inputs(),
            expected.map(str::to_owned).to_vec()
        );
    }
}
