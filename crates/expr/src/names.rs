//! The names a program may read without assigning them, and what each one means.

/// What an input name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `A`, `A2`, `AL`, `Q`: the predictions, `(n_y, m)` (or `(k, m)`), columns are samples.
    Predictions,
    /// `q`: one sample's predictions, a 1-D array `(k,)`, as the documents write it.
    SamplePredictions,
    /// `Y`, `P`: the labels or targets, `(n_y, m)` (or `(k, m)`).
    Labels,
    /// `p`: one sample's targets, a 1-D array `(k,)`.
    SampleLabels,
    /// `m`: the number of samples, a Python `int`.
    Samples,
    /// `n_y`, `k`: the number of outputs or classes, a Python `int`.
    Rows,
    /// `z`, `Z`, `logits`: the logits, `(n_y, m)` or `(k, m)`, when the problem is given
    /// from logits (`A = σ(z)`, `Q = softmax(z)` per column).
    Logits,
    /// `y`, `classes`: one class index per sample, an integer array `(m,)`, when a
    /// categorical problem's targets are one-hot (given as class indices).
    ClassIndices,
}

impl Role {
    /// Whether the name is an array of the problem (as opposed to a size).
    pub fn is_array(self) -> bool {
        !matches!(self, Role::Samples | Role::Rows)
    }

    /// Whether the name is a 1-D array holding one sample.
    pub fn is_one_sample(self) -> bool {
        // (Class indices are `(m,)` but hold every sample.)
        matches!(self, Role::SamplePredictions | Role::SampleLabels)
    }

    /// Whether the name holds predictions.
    pub fn is_predictions(self) -> bool {
        matches!(self, Role::Predictions | Role::SamplePredictions)
    }
}

/// The role of an input name, `None` for any other name.
pub fn role(name: &str) -> Option<Role> {
    Some(match name {
        "A" | "A2" | "AL" | "Q" => Role::Predictions,
        "q" => Role::SamplePredictions,
        "Y" | "P" => Role::Labels,
        "p" => Role::SampleLabels,
        "m" => Role::Samples,
        "n_y" | "k" => Role::Rows,
        "z" | "Z" | "logits" => Role::Logits,
        "y" | "classes" => Role::ClassIndices,
        _ => return None,
    })
}

pub(crate) fn is_input(name: &str) -> bool {
    role(name).is_some()
}

pub(crate) fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "True"
            | "False"
            | "None"
            | "and"
            | "or"
            | "not"
            | "if"
            | "else"
            | "for"
            | "in"
            | "is"
            | "lambda"
            | "import"
            | "def"
            | "return"
            | "as"
    )
}

/// The message for a name that is neither an input nor assigned earlier.
pub(crate) fn unknown_name(name: &str) -> String {
    let hint = match name {
        "True" | "False" => " (booleans are only understood as `keepdims=True`)".to_owned(),
        "None" => " (None is only understood as `axis=None`)".to_owned(),
        _ => {
            let upper = name.to_uppercase();
            if upper != name && is_input(&upper) {
                format!(" (did you mean `{upper}`?)")
            } else {
                String::new()
            }
        }
    };
    format!(
        "unknown name `{name}`{hint}: the inputs are A, A2, AL, Q (predictions), Y, P (labels \
         or targets), q, p (one sample's predictions and targets, 1-D), z, Z, logits (logits, \
         with from-logits), y, classes (class indices, categorical), m (samples), n_y and k \
         (outputs or classes), and names assigned earlier"
    )
}
