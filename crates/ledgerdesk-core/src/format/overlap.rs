//! Whether two templates can ever print the same number, decided exactly enough to be safe.
//!
//! With its tenant and series codes filled in, a template prints the words of a regular language:
//! literal characters, four digits for `{YYYY}`, two for `{YY}`, `01`–`12` for `{MM}`, and for
//! `{SEQ:n}` either exactly `n` digits or more than `n` digits without a leading zero. Each template
//! becomes a small automaton, and two templates can collide exactly when their product automaton
//! reaches the pair of accepting states; the path there spells a number both can print.
//!
//! The languages are drawn slightly larger than what is really printed (`0000` as a year, an all-zero
//! sequence, any period for either template), so a "no" is a proof and a "yes" is at worst cautious.

use std::collections::{HashMap, VecDeque};

use super::{NumberFormat, Part};

/// The characters one step of a template may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Exactly this character.
    Char(char),
    /// A digit from `lo` to `hi`; `hint` is the one an example prefers.
    Digit { lo: u8, hi: u8, hint: u8 },
}

impl Class {
    fn digit(lo: u8, hi: u8, hint: u8) -> Class {
        Class::Digit { lo, hi, hint }
    }

    /// A character both classes admit, if any (the preferred one when it fits).
    fn meet(self, other: Class) -> Option<char> {
        let in_range = |c: char, lo: u8, hi: u8| c.is_ascii_digit() && (lo..=hi).contains(&(c as u8 - b'0'));
        match (self, other) {
            (Class::Char(a), Class::Char(b)) => (a == b).then_some(a),
            (Class::Char(c), Class::Digit { lo, hi, .. }) | (Class::Digit { lo, hi, .. }, Class::Char(c)) => {
                in_range(c, lo, hi).then_some(c)
            }
            (Class::Digit { lo: a_lo, hi: a_hi, hint }, Class::Digit { lo: b_lo, hi: b_hi, .. }) => {
                let (lo, hi) = (a_lo.max(b_lo), a_hi.min(b_hi));
                (lo <= hi).then(|| char::from(b'0' + if (lo..=hi).contains(&hint) { hint } else { lo }))
            }
        }
    }
}

/// A nondeterministic automaton with ε-moves; state 0 starts, `accept` ends.
#[derive(Debug, Default)]
struct Automaton {
    /// Per state: moves on a class, and ε-moves.
    moves: Vec<Vec<(Class, usize)>>,
    epsilon: Vec<Vec<usize>>,
    accept: usize,
}

impl Automaton {
    fn state(&mut self) -> usize {
        self.moves.push(Vec::new());
        self.epsilon.push(Vec::new());
        self.moves.len() - 1
    }

    /// Appends one step from `from` to a new state.
    fn step(&mut self, from: usize, class: Class) -> usize {
        let to = self.state();
        self.moves[from].push((class, to));
        to
    }

    /// Appends steps printing `text` exactly.
    fn text(&mut self, mut at: usize, text: &str) -> usize {
        for c in text.chars() {
            at = self.step(at, Class::Char(c));
        }
        at
    }

    /// Appends `count` digits of any value, preferring the digits of `hints`.
    fn digits(&mut self, mut at: usize, hints: &[u8]) -> usize {
        for &hint in hints {
            at = self.step(at, Class::digit(0, 9, hint));
        }
        at
    }

    /// The automaton of `format` as printed by series `series` of tenant `tenant`.
    fn of(format: &NumberFormat, tenant: &str, series: &str) -> Automaton {
        let mut automaton = Automaton::default();
        let mut at = automaton.state();
        for part in &format.parts {
            at = match part {
                Part::Literal(text) => automaton.text(at, text),
                Part::Suffix => automaton.text(at, tenant),
                Part::Series => automaton.text(at, series),
                Part::Year4 => automaton.digits(at, &[2, 0, 2, 6]),
                Part::Year2 => automaton.digits(at, &[2, 6]),
                Part::Month => {
                    // 01–09 or 10–12.
                    let end = automaton.state();
                    let zero = automaton.step(at, Class::Char('0'));
                    automaton.moves[zero].push((Class::digit(1, 9, 1), end));
                    let one = automaton.step(at, Class::Char('1'));
                    automaton.moves[one].push((Class::digit(0, 2, 1), end));
                    end
                }
                Part::Seq(width) => {
                    let end = automaton.state();
                    // Below 10^width: exactly `width` digits, zero-padded (a single digit is 1–9).
                    let padded = if *width == 1 {
                        automaton.step(at, Class::digit(1, 9, 1))
                    } else {
                        let mut hints = vec![0; *width];
                        hints[width - 1] = 1;
                        automaton.digits(at, &hints)
                    };
                    automaton.epsilon[padded].push(end);
                    // 10^width and above: a non-zero digit, then `width` or more digits.
                    let first = automaton.step(at, Class::digit(1, 9, 1));
                    let long = automaton.digits(first, &vec![0; *width]);
                    automaton.moves[long].push((Class::digit(0, 9, 0), long));
                    automaton.epsilon[long].push(end);
                    end
                }
            };
        }
        automaton.accept = at;
        automaton
    }
}

/// One template as a series prints it: the template with its tenant and series codes.
#[derive(Debug, Clone, Copy)]
pub struct Printed<'a> {
    /// The template.
    pub format: &'a NumberFormat,
    /// The tenant's code (`{SUFFIX}`).
    pub tenant: &'a str,
    /// The series' code (`{SERIES}`).
    pub series: &'a str,
}

/// A number both templates can print, or `None` when they never print the same number in any periods.
pub fn common_number(a: Printed<'_>, b: Printed<'_>) -> Option<String> {
    let a = Automaton::of(a.format, a.tenant, a.series);
    let b = Automaton::of(b.format, b.tenant, b.series);
    // Breadth-first over pairs of states; `came_from` keeps the path, to spell the example.
    type Pair = (usize, usize);
    let mut came_from: HashMap<Pair, (Pair, Option<char>)> = HashMap::new();
    let mut queue = VecDeque::from([(0, 0)]);
    came_from.insert((0, 0), ((0, 0), None));
    while let Some((p, q)) = queue.pop_front() {
        if (p, q) == (a.accept, b.accept) {
            let mut word = Vec::new();
            let mut at = (p, q);
            while at != (0, 0) {
                let (before, printed) = came_from[&at];
                word.extend(printed);
                at = before;
            }
            return Some(word.into_iter().rev().collect());
        }
        let mut next = Vec::new();
        next.extend(a.epsilon[p].iter().map(|&p2| ((p2, q), None)));
        next.extend(b.epsilon[q].iter().map(|&q2| ((p, q2), None)));
        for &(class_a, p2) in &a.moves[p] {
            for &(class_b, q2) in &b.moves[q] {
                if let Some(c) = class_a.meet(class_b) {
                    next.push(((p2, q2), Some(c)));
                }
            }
        }
        for (pair, printed) in next {
            if let std::collections::hash_map::Entry::Vacant(slot) = came_from.entry(pair) {
                slot.insert(((p, q), printed));
                queue.push_back(pair);
            }
        }
    }
    None
}

/// Whether `number` is one of the words the template prints (as drawn here: see the module doc).
pub fn prints(printed: Printed<'_>, number: &str) -> bool {
    let automaton = Automaton::of(printed.format, printed.tenant, printed.series);
    let closure = |states: Vec<usize>| {
        let mut all = states;
        let mut i = 0;
        while i < all.len() {
            for &next in &automaton.epsilon[all[i]] {
                if !all.contains(&next) {
                    all.push(next);
                }
            }
            i += 1;
        }
        all
    };
    let mut current = closure(vec![0]);
    for c in number.chars() {
        let mut next = Vec::new();
        for &state in &current {
            for &(class, to) in &automaton.moves[state] {
                if class.meet(Class::Char(c)).is_some() && !next.contains(&to) {
                    next.push(to);
                }
            }
        }
        current = closure(next);
    }
    current.contains(&automaton.accept)
}

#[cfg(test)]
mod tests {
    use ledgerdesk_types::ResetPolicy;

    use super::*;

    fn clash(a: (&str, &str), b: (&str, &str)) -> Option<String> {
        let parse = |t| NumberFormat::parse(t, ResetPolicy::Never).unwrap();
        let (fa, fb) = (parse(a.0), parse(b.0));
        common_number(
            Printed { format: &fa, tenant: "ACME", series: a.1 },
            Printed { format: &fb, tenant: "ACME", series: b.1 },
        )
    }

    #[test]
    fn what_a_template_prints() {
        let format = NumberFormat::parse("{SERIES}-{YYYY}{MM}-{SEQ:3}", ResetPolicy::Never).unwrap();
        let printed = Printed { format: &format, tenant: "ACME", series: "CR" };
        for yes in ["CR-202611-001", "CR-202612-1000", "CR-000101-999"] {
            assert!(prints(printed, yes), "{yes}");
        }
        for no in ["CR-202613-001", "CR-202611-01", "CR-202611-0001", "INV-202611-001", "CR-202611-001x"] {
            assert!(!prints(printed, no), "{no}");
        }
    }

    #[test]
    fn the_issue_examples() {
        let default = "{YYYY}{MM}-{SEQ:5}-{SUFFIX}";
        assert_eq!(clash((default, "INV"), (default, "CR")).as_deref(), Some("202601-00001-ACME"));
        assert_eq!(clash(("{SERIES}{SEQ}", "A"), ("{SERIES}{SEQ}", "A1")).as_deref(), Some("A11"));
        assert_eq!(clash((default, "INV"), ("{SERIES}-{YYYY}{MM}-{SEQ:5}-{SUFFIX}", "CR")), None);
        assert_eq!(clash(("{SERIES}-{SEQ}", "A"), ("{SERIES}-{SEQ}", "A1")), None);
    }

    #[test]
    fn sequences_are_exact_about_leading_zeros() {
        // {SEQ} never prints a leading zero; "X0{SEQ}" always does.
        assert_eq!(clash(("X{SEQ}", "A"), ("X0{SEQ}", "B")), None);
        // {SEQ:3} pads 7 to 007, which "X0{SEQ:2}" prints too.
        assert_eq!(clash(("X{SEQ:3}", "A"), ("X0{SEQ:2}", "B")).as_deref(), Some("X001"));
        // Past its width a sequence grows: {SEQ:2} reaches 100, which {SEQ:3} prints too.
        assert!(clash(("X{SEQ:2}", "A"), ("X{SEQ:3}", "B")).is_some());
    }

    #[test]
    fn months_are_01_to_12_and_fixed_widths_keep_templates_apart() {
        assert_eq!(clash(("{MM}{SEQ:3}", "A"), ("13{SEQ:3}", "B")), None);
        assert!(clash(("{MM}{SEQ:3}", "A"), ("12{SEQ:3}", "B")).is_some());
        assert_eq!(clash(("{YYYY}-{SEQ:4}", "A"), ("{YY}-{SEQ:4}", "B")), None);
        assert!(clash(("{YYYY}{SEQ:4}", "A"), ("{YY}{SEQ:4}", "B")).is_some());
    }
}
