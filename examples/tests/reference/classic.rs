//! `classic!`: a hand-written program, written once, as a `blossom::program!` and as the
//! reference's program.

/// `classic! { module: blossom::program! { pub(crate) Name { .. } } }`: the program, and in
/// `module` its text, its meaning for the reference (parsed from the same tokens by
/// [`builder::parse`](super::builder::parse)), its driver and a [`Case`](super::Case) for it.
/// The program's columns are `u32`s, `u64`s and `Addr`s, and its lattices `Max<u32>`s and
/// `Min<u32>`s.
///
/// The `blossom::program! { .. }` invocation is passed through token for token, so the spec is
/// built from exactly the tokens Blossom compiles. Finding the inputs, outputs and periodics
/// walks the items a token at a time: a crate using this needs a `recursion_limit` above the
/// number of tokens of its longest program.
macro_rules! classic {
    ($module:ident: $blossom:tt $sep:tt $program:tt $bang:tt $body:tt) => {
        mod $module {
            #[allow(unused_imports)]
            use blossom::{Addr, Max, Min};
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
            fn subscribe(&self, relation: &str) -> Result<Box<dyn reference::Watch>, blossom::Error> {
                $crate::reference::classic::classic!(@output self relation subscribe; $($items)*);
                panic!("no output `{relation}`")
            }
            fn set_clock(&mut self, clock: blossom::VirtualClock) {
                $name::set_clock(self, clock);
            }
            fn start_timer(&mut self, timer: &str, node: u32) {
                $crate::reference::classic::classic!(@timer self timer node start; $($items)*);
                panic!("no periodic `{timer}` to start on node {node}")
            }
            fn stop_timer(&mut self, timer: &str, node: u32) {
                $crate::reference::classic::classic!(@timer self timer node stop; $($items)*);
                panic!("no periodic `{timer}` to stop on node {node}")
            }
            $crate::reference::classic::classic!(@nodes $name; $($items)*);
        }

        pub(crate) fn start(config: &blossom::Config) -> Result<Box<dyn Driver>, blossom::Error> {
            Ok(Box::new($name::with_config(config)?))
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
    // `if timer == "rel" { return reference::Timer::what(&mut self.rel, node) }` for every
    // periodic.
    (@timer $s:ident $t:ident $n:ident $what:ident;) => {};
    (@timer $s:ident $t:ident $n:ident $what:ident; periodic $rel:ident $every:tt ; $($rest:tt)*) => {
        if $t == stringify!($rel) {
            return reference::Timer::$what(&mut $s.$rel, $n);
        }
        $crate::reference::classic::classic!(@timer $s $t $n $what; $($rest)*);
    };
    (@timer $s:ident $t:ident $n:ident $what:ident; $skip:tt $($rest:tt)*) => {
        $crate::reference::classic::classic!(@timer $s $t $n $what; $($rest)*);
    };
    // `set_node_clock`, if the program declares a channel (and so has nodes).
    (@nodes $name:ident;) => {};
    (@nodes $name:ident; channel $rel:ident $cols:tt ; $($rest:tt)*) => {
        fn set_node_clock(&mut self, node: u32, clock: blossom::VirtualClock) {
            $name::set_node_clock(self, blossom::Addr(node), clock);
        }
    };
    (@nodes $name:ident; $skip:tt $($rest:tt)*) => {
        $crate::reference::classic::classic!(@nodes $name; $($rest)*);
    };
}

pub(crate) use classic;
