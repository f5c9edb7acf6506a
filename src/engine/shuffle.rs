//! The order of a question's options for one person: a tiny deterministic
//! generator (splitmix64) seeded with the person's seed and the dialogue and
//! step ids, so the order is the same for that person every time and differs
//! between people. No randomness source of its own.

/// One step of splitmix64: a good 64-bit mixing of `x`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of the bytes: a fixed hash (std's hashers may change between versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The order in which to show `n` options of a step: a permutation of `0..n`,
/// fixed by the seed and the ids.
pub fn order(seed: u64, dialogue: &str, step: &str, n: usize) -> Vec<usize> {
    let mut state = seed ^ fnv1a(dialogue.as_bytes()).rotate_left(17) ^ fnv1a(step.as_bytes());
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(state)
    };
    let mut order: Vec<usize> = (0..n).collect();
    // Fisher–Yates, from the end.
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_a_permutation_and_stable() {
        for seed in 0..50 {
            let mut o = order(seed, "phishing", "q_sms", 4);
            assert_eq!(o, order(seed, "phishing", "q_sms", 4));
            o.sort_unstable();
            assert_eq!(o, vec![0, 1, 2, 3]);
        }
        assert!(order(1, "a", "b", 0).is_empty());
    }

    #[test]
    fn orders_vary_with_the_seed() {
        let orders: std::collections::HashSet<Vec<usize>> =
            (0..40).map(|s| order(s, "phishing", "q_sms", 3)).collect();
        assert_eq!(orders.len(), 6, "all six orders of three options occur");
    }
}
