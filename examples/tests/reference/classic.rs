//! `classic!`: a hand-written program, written once, as a `blossom::program!` and as the
//! reference's program.

/// `classic! { module: blossom::program! { pub(crate) Name { .. } } }`: the program, and in
/// `module` its text, its meaning for the reference (parsed from the same tokens by
/// [`builder::parse`](super::builder::parse)), its driver and a [`Case`](super::Case) for it.
/// The program's relations have `u32` columns.
///
/// The `blossom::program! { .. }` invocation is passed through token for token, so the spec is
/// built from exactly the tokens Blossom compiles. Finding the inputs and outputs walks the
/// items a token at a time: a crate using this needs a `recursion_limit` above the number of
/// tokens of its longest program.
macro_rules! classic {
    ($module:ident: $blossom:tt $sep:tt $program:tt $bang:tt $body:tt) => {
        mod $module {
            use $crate::reference::{self, Driver, Program, Row};

            $blossom $sep $program $bang $body

            $crate::reference::classic::classic!(@module $module $body);
        }
    };
    (@module $module:ident { $(#[$doc:meta])* $vis:vis $name:ident { $($items:tt)* } }) => {
        pub(crate) const TEXT: &str = stringify!($($items)*);

        pub(crate) fn spec() -> Program {
            reference::builder::parse(TEXT)
        }

        /// The program as a case for [`reference::check`].
        pub(crate) const CASE: reference::Case = reference::Case {
            name: stringify!($module),
            text: TEXT,
            spec,
            start,
        };

        impl Driver for $name {
            fn insert(&mut self, relation: &str, row: &[u32]) {
                $crate::reference::classic::classic!(@insert self relation row; $($items)*);
                panic!("no input `{relation}`")
            }
            fn tick(&mut self) -> Result<(), blossom::Error> {
                $name::tick(self)
            }
            fn snapshot(&self, relation: &str) -> Result<Vec<Row>, blossom::Error> {
                $crate::reference::classic::classic!(@output self relation rows; $($items)*);
                panic!("no output `{relation}`")
            }
            fn len(&self, relation: &str) -> usize {
                $crate::reference::classic::classic!(@output self relation len; $($items)*);
                panic!("no output `{relation}`")
            }
        }

        pub(crate) fn start(workers: usize) -> Result<Box<dyn Driver>, blossom::Error> {
            Ok(Box::new($name::with_workers(workers)?))
        }
    };
    // `if relation == "rel" { return self.rel.insert(..) }` for every input; other tokens skipped.
    (@insert $s:ident $r:ident $row:ident;) => {};
    (@insert $s:ident $r:ident $row:ident; input $rel:ident $cols:tt ; $($rest:tt)*) => {
        if $r == stringify!($rel) {
            return $s.$rel.insert(reference::Columns::from_row($row));
        }
        $crate::reference::classic::classic!(@insert $s $r $row; $($rest)*);
    };
    (@insert $s:ident $r:ident $row:ident; $skip:tt $($rest:tt)*) => {
        $crate::reference::classic::classic!(@insert $s $r $row; $($rest)*);
    };
    // `if relation == "rel" { return reference::what(&self.rel) }` for every output.
    (@output $s:ident $r:ident $what:ident;) => {};
    (@output $s:ident $r:ident $what:ident; output $rel:ident $cols:tt ; $($rest:tt)*) => {
        if $r == stringify!($rel) {
            return reference::$what(&$s.$rel);
        }
        $crate::reference::classic::classic!(@output $s $r $what; $($rest)*);
    };
    (@output $s:ident $r:ident $what:ident; $skip:tt $($rest:tt)*) => {
        $crate::reference::classic::classic!(@output $s $r $what; $($rest)*);
    };
}

pub(crate) use classic;
