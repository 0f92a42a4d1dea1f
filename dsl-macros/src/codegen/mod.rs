//! Stage 5: Rust code for a planned program — a handle type, its dataflow, one function per stratum.
//!
//! Generated code calls `::blossom::rt` only, never timely or differential directly. Internal
//! names carry `Span::mixed_site()`, so they cannot capture or be captured by the user's
//! variables; the user's expressions keep their own spans, so type errors point at them.

mod device;
mod explain;
mod fixpoint;
mod hub;
mod place;

pub(crate) use explain::rule_text;
mod rule;
mod stratum;
mod support;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::analysis::Analysis;
use crate::calm::Calm;
use crate::parse::{Decl, Kind, Merge};
use crate::plan::Plan;
use crate::resolve::Hir;

/// An identifier only generated code can see.
pub(crate) fn internal(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The local variable holding relation `decl` in generated code.
pub(crate) fn relation_local(decl: &Decl) -> Ident {
    internal(&format!("rel_{}", decl.name))
}

/// The program's field reading what channel `decl` sends to nodes in other programs.
fn sent_field(decl: &Decl) -> Ident {
    internal(&format!("sent_{}", decl.name))
}

/// The local variable holding what channel `decl` sends to nodes in other programs.
fn away_local(decl: &Decl) -> Ident {
    internal(&format!("away_{}", decl.name))
}

/// A function giving a located row's node: its first column.
fn location(decl: &Decl) -> TokenStream {
    let row = row_type(decl);
    match decl.columns.len() {
        1 => quote!(|row: &#row| *row),
        _ => quote!(|row: &#row| row.0),
    }
}

/// The row type of a relation: the bare column type for one column, a tuple otherwise.
pub(crate) fn row_type(decl: &Decl) -> TokenStream {
    let types = decl.columns.iter().map(|c| &c.ty);
    match decl.columns.as_slice() {
        [only] => {
            let ty = &only.ty;
            quote!(#ty)
        }
        _ => quote!((#(#types),*)),
    }
}

/// The whole expansion of a program.
pub fn generate(
    hir: &Hir,
    analysis: &Analysis,
    plan: &mut Plan,
    calm: &Calm,
) -> syn::Result<TokenStream> {
    let program = hir.program;
    let name = &program.name;
    let vis = &program.vis;
    let attrs = &program.attrs;
    let runtime = internal("runtime");

    // Inputs and periodics, in declaration order: both are input sessions of the dataflow.
    let inputs: Vec<&Decl> = hir
        .relations
        .iter()
        .copied()
        .filter(|d| d.kind.external())
        .collect();
    let outputs: Vec<&Decl> = hir
        .relations
        .iter()
        .copied()
        .filter(|d| d.kind == Kind::Output)
        .collect();
    let fields = inputs.iter().chain(&outputs).map(|decl| {
        let field = &decl.name;
        let row = row_type(decl);
        let docs = decl
            .attrs
            .iter()
            .filter(|a| !a.path().is_ident("partition"));
        let signature = explain::signature(decl);
        let (handle, what) = match decl.kind {
            Kind::Input => (quote!(::blossom::Input<#row>), "Input"),
            Kind::Periodic if decl.located => {
                (quote!(::blossom::Periodic<::blossom::Addr>), "Timer")
            }
            Kind::Periodic => (quote!(::blossom::Periodic), "Timer"),
            _ => (quote!(::blossom::Output<#row>), "Output"),
        };
        let summary = format!("{what} `{signature}`.");
        quote! {
            #[doc = #summary]
            #(#docs)*
            pub #field: #handle
        }
    });
    // Spanned at the relation, so that a column type that cannot be stored is reported there.
    let pending = inputs.iter().map(|d| {
        let field = &d.name;
        quote!(&mut self.#field as &mut dyn ::blossom::PendingInput)
    });
    let output_inits = outputs.iter().enumerate().map(|(index, decl)| {
        let field = &decl.name;
        quote_spanned!(field.span()=> #field: ::blossom::Output::new(&#runtime, #index))
    });
    let input_defaults = inputs.iter().map(|d| {
        let field = &d.name;
        match &d.every {
            Some(every) => quote!(#field: ::blossom::Periodic::new(#every)),
            None => quote!(#field: ::core::default::Default::default()),
        }
    });
    let fire = inputs.iter().filter(|d| d.every.is_some()).map(|d| {
        let field = &d.name;
        quote!(self.#field.fire(&self.#runtime);)
    });
    let located = hir.relations.iter().any(|d| d.located);
    let node_clock = located.then(|| {
        quote! {
            /// Gives `node` a clock of its own for its timers, as a node whose clock drifts.
            pub fn set_node_clock(&mut self, node: ::blossom::Addr, clock: impl ::blossom::Clock + 'static) {
                self.#runtime.set_node_clock(node, clock);
            }
        }
    });
    // Tables, scratches, channels and lattices, readable through `state()` when the runtime keeps them:
    // registered after the outputs, in declaration order.
    let kept: Vec<&Decl> = hir
        .relations
        .iter()
        .copied()
        .filter(|d| {
            matches!(
                d.kind,
                Kind::Table | Kind::Scratch | Kind::Channel | Kind::Lattice
            )
        })
        .collect();
    // What each channel sends to nodes in other programs, read like an output: registered
    // after the outputs, before the relations kept for `state()`.
    let channels: Vec<&Decl> = (hir.relations.iter().copied())
        .filter(|d| d.kind == Kind::Channel)
        .collect();
    let sent_fields = channels.iter().map(|decl| {
        let (field, row) = (sent_field(decl), row_type(decl));
        quote!(#field: ::blossom::Output<#row>)
    });
    let sent_inits = channels.iter().enumerate().map(|(index, decl)| {
        let (field, index) = (sent_field(decl), outputs.len() + index);
        quote!(#field: ::blossom::Output::new(&#runtime, #index))
    });
    let output_count = outputs.len() + channels.len() + kept.len();
    let state_name = format_ident!("{}State", name);
    let state_doc = format!(
        "Every table, scratch, channel and lattice of [`{name}`], readable like an output when the program keeps them (`Config::inspect`, on by default in debug builds)."
    );
    let state_fields = kept.iter().map(|decl| {
        let field = &decl.name;
        let row = row_type(decl);
        let summary = format!("{} `{}`.", decl.kind.keyword(), explain::signature(decl));
        quote! {
            #[doc = #summary]
            pub #field: ::blossom::Output<#row>
        }
    });
    let state_inits = kept.iter().enumerate().map(|(index, decl)| {
        let field = &decl.name;
        let index = outputs.len() + channels.len() + index;
        quote!(#field: ::blossom::Output::new(&self.#runtime, #index))
    });
    // Per stratum, the outputs that tell rows early and the rules whose rows they tell.
    let early: Vec<Vec<(usize, Vec<usize>)>> = (plan.strata.iter())
        .map(|stratum| stratum::early_rules(hir, calm, &plan.strata, stratum))
        .collect();
    // How each recursive stratum iterates, worked out once for the code and for `explain`.
    let fixpoints: Vec<Option<fixpoint::SemiNaive>> = (plan.strata.iter())
        .map(|stratum| fixpoint::semi_naive(hir, calm, stratum))
        .collect();
    // A semi-naive stratum keeps its lattices' values from tick to tick itself (nothing adds
    // to them for the next tick: see `fixpoint::keeps_rows`): merging every value again in the
    // transition, for a previous value the stratum does not read, would be work for nothing.
    let kept: Vec<usize> = (plan.strata.iter().zip(&fixpoints))
        .filter(|(_, semi_naive)| semi_naive.is_some())
        .flat_map(|(stratum, _)| stratum.relations.iter().copied())
        .filter(|&r| hir.relations[r].kind == Kind::Lattice)
        .collect();
    plan.carried.retain(|r| !kept.contains(r));
    let read_later =
        |r: usize| (analysis.edges.iter()).any(|e| e.from == r && e.merge != Merge::Now);
    plan.transition
        .reads
        .retain(|&r| !kept.contains(&r) || read_later(r));
    device::generate(hir, plan)?;
    let plan = &*plan;
    // A program that is one lattice and the requests meeting it runs as one operator.
    let hub = hub::find(hir, plan);
    let semi_naive: Vec<bool> = fixpoints.iter().map(Option::is_some).collect();
    let place = match &hub {
        Some(hub) => hub::placement(hir, hub),
        None => place::place(hir, plan, &semi_naive, |r| {
            let (s, stratum) = (plan.strata.iter().enumerate())
                .find(|(_, stratum)| stratum.relations.contains(&r))?;
            let carried: Vec<usize> = (stratum.relations.iter().copied())
                .filter(|r| plan.carried.contains(r))
                .collect();
            let folded = stratum::folded(hir, &stratum.rules, &stratum.relations, &carried, r);
            (!semi_naive[s]).then_some(folded)
        })?,
    };
    let (dataflow, strata, transition) = match &hub {
        Some(hub) => (hub::dataflow(hir, plan, hub, &place), Vec::new(), None),
        None => {
            let dataflow = dataflow(hir, analysis, plan, calm, &early, &fixpoints, &place);
            let strata = (plan.strata.iter().zip(&early).enumerate())
                .map(|(index, (stratum, early))| {
                    let semi_naive = fixpoints[index].as_ref();
                    stratum::generate(
                        hir,
                        index,
                        stratum,
                        semi_naive,
                        &plan.carried,
                        early,
                        &place,
                    )
                })
                .collect();
            let transition = (!plan.carried.is_empty())
                .then(|| stratum::transition(hir, &plan.transition, &plan.carried, &place));
            (dataflow, strata, transition)
        }
    };
    let explain = explain::generate(hir, analysis, plan, calm, &fixpoints, &place, hub.as_ref());
    let checks = type_checks(hir);
    let served = served(name, &inputs, &outputs, &channels);

    Ok(quote! {
        #(#attrs)*
        #vis struct #name {
            #(#fields,)*
            #(#sent_fields,)*
            #runtime: ::blossom::Runtime,
        }

        impl #name {
            /// Starts the program embedded: one worker in this process, no configuration.
            ///
            /// # Panics
            /// If the operating system refuses to start the worker thread.
            pub fn new() -> Self {
                match Self::with_config(&::blossom::Config::embedded()) {
                    ::core::result::Result::Ok(program) => program,
                    ::core::result::Result::Err(error) => {
                        ::core::panic!("starting an embedded Blossom program failed: {error}")
                    }
                }
            }

            /// Starts the program on `workers` threads in this process.
            pub fn with_workers(workers: usize) -> ::core::result::Result<Self, ::blossom::Error> {
                Self::with_config(&::blossom::Config::with_workers(workers))
            }

            /// Starts the program as `config` says: threads, or one process of a timely cluster.
            pub fn with_config(config: &::blossom::Config) -> ::core::result::Result<Self, ::blossom::Error> {
                let #runtime = ::blossom::Runtime::start(config, #output_count, Self::__dataflow)?;
                ::core::result::Result::Ok(#name {
                    #(#input_defaults,)*
                    #(#output_inits,)*
                    #(#sent_inits,)*
                    #runtime,
                })
            }

            /// Runs one tick: the inputs' pending rows hold, every stratum runs to its fixpoint,
            /// and the outputs change to their new rows.
            pub fn tick(&mut self) -> ::core::result::Result<(), ::blossom::Error> {
                #(#fire)*
                self.#runtime.tick(&mut [#(#pending),*])
            }

            /// Replaces the clock that periodics fire by (the system clock by default), for
            /// example with a `blossom::VirtualClock` that a test advances by hand.
            pub fn set_clock(&mut self, clock: impl ::blossom::Clock + 'static) {
                self.#runtime.set_clock(clock);
            }

            #node_clock

            /// The number of ticks run so far.
            pub fn ticks(&self) -> u64 {
                self.#runtime.ticks()
            }

            /// The rows each exchange of the plan sent from one worker to another so far:
            /// exchange `i` is `explain().placement.exchanges[i]` (see `Runtime::exchanged`).
            pub fn exchanged(&self) -> ::std::collections::BTreeMap<usize, u64> {
                self.#runtime.exchanged()
            }

            /// What the program's device rules did so far: rows run on an OpenCL device and
            /// on the CPU (see `Runtime::device_stats`).
            pub fn device_stats(&self) -> ::blossom::device::DeviceStats {
                self.#runtime.device_stats()
            }

            /// Handles to read every table, scratch and channel, as tests do: reading one is an
            /// error unless the program keeps them (`Config::inspect`).
            pub fn state(&self) -> #state_name {
                #state_name { #(#state_inits,)* }
            }

            /// The program's relations, rules, strata and plan, as the compiler saw them.
            pub fn explain() -> &'static ::blossom::Explain {
                #explain
            }

            #dataflow
            #(#strata)*
            #transition
        }

        #[doc = #state_doc]
        #[allow(dead_code)]
        #vis struct #state_name {
            #(#state_fields,)*
        }

        const _: fn() = || { #checks };

        #served
    })
}

/// The program's inputs and outputs as [`blossom::Served`] names them to a server: a
/// `Relation` constant per relation (its name in capitals) and the trait's implementation.
fn served(name: &Ident, inputs: &[&Decl], outputs: &[&Decl], channels: &[&Decl]) -> TokenStream {
    let inputs: Vec<&Decl> = inputs
        .iter()
        .copied()
        .filter(|d| d.kind == Kind::Input)
        .collect();
    let constant = |decl: &Decl| format_ident!("{}", decl.name.to_string().to_uppercase());
    let constants = inputs.iter().chain(outputs).map(|decl| {
        let (constant, row, text) = (constant(decl), row_type(decl), decl.name.to_string());
        let doc = format!(
            "The {} `{}`, as a client names it.",
            decl.kind.keyword(),
            explain::signature(decl)
        );
        quote! {
            #[doc = #doc]
            pub const #constant: ::blossom::Relation<#row> = ::blossom::Relation::new(#text);
        }
    });
    let visits = (inputs.iter().map(|decl| (decl, true)))
        .chain(outputs.iter().map(|decl| (decl, false)))
        .map(|(decl, input)| {
            let (constant, field, row) = (constant(decl), &decl.name, row_type(decl));
            // The row type named, so that a column type that cannot be stored is reported at
            // the type, as the dataflow's own use of it is.
            if input {
                quote!(relations.input::<#row>(Self::#constant, |program| &mut program.#field);)
            } else {
                quote!(relations.output::<#row>(Self::#constant, |program| &program.#field);)
            }
        });
    let sends = channels.iter().map(|decl| {
        let (field, row, text) = (sent_field(decl), row_type(decl), decl.name.to_string());
        let location = location(decl);
        quote! {
            relations.channel::<#row>(::blossom::Relation::new(#text), |program| &program.#field, #location);
        }
    });
    let text = name.to_string();
    let runtime = internal("runtime");
    quote! {
        impl #name {
            #(#constants)*
        }

        impl ::blossom::Served for #name {
            const NAME: &'static str = #text;

            fn relations<R: ::blossom::Relations<Self>>(relations: &mut R) {
                #(#visits)*
                #(#sends)*
            }

            fn tick(&mut self) -> ::core::result::Result<(), ::blossom::Error> {
                #name::tick(self)
            }

            fn ticks(&self) -> u64 {
                #name::ticks(self)
            }

            fn remotes(&self) -> &::std::collections::BTreeMap<::blossom::Addr, ::std::string::String> {
                self.#runtime.remotes()
            }

            fn process(&self) -> usize {
                self.#runtime.process()
            }
        }
    }
}

/// The function each worker calls to build the program's dataflow.
fn dataflow(
    hir: &Hir,
    analysis: &Analysis,
    plan: &Plan,
    calm: &Calm,
    early_rules: &[Vec<(usize, Vec<usize>)>],
    fixpoints: &[Option<fixpoint::SemiNaive>],
    place: &place::Placement,
) -> TokenStream {
    let scope = internal("scope");
    let io = internal("io");
    let inputs = hir
        .relations
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind.external())
        .map(|(r, decl)| {
            let local = relation_local(decl);
            let row = row_type(decl);
            // The host may insert a row twice; an aggregate must see it once, as a set has it.
            let aggregated = analysis.edges.iter().any(|e| {
                e.kind == crate::analysis::EdgeKind::Aggregated
                    && hir.relations[e.from].name == decl.name
            });
            // An input the plan partitions goes to the workers of its key as it arrives.
            let placed = (place.id(place::Site::Input(r))).map(|id| (id, place.key_function(hir, r)));
            let input = quote!(#io.input::<#row>(#scope));
            match (aggregated, placed) {
                (true, Some((id, key))) => {
                    quote!(let #local = ::blossom::rt::union_by(#scope, ::std::vec![#input], #id, #key);)
                }
                (true, None) => quote!(let #local = ::blossom::rt::distinct(#input);),
                (false, Some((id, key))) => {
                    quote!(let #local = ::blossom::rt::partition_rows(#input, #id, #key);)
                }
                (false, None) => quote!(let #local = #input;),
            }
        });
    let keyed = hir.relations.iter().any(|d| d.key.is_some());
    // A carried relation starts each tick with what the previous tick's transition decided.
    let carried = plan.carried.iter().map(|&r| {
        let decl = hir.relations[r];
        let (keep, prev, row) = (
            stratum::keep_local(decl),
            stratum::prev_local(decl),
            row_type(decl),
        );
        quote!(let (#keep, #prev) = ::blossom::rt::previous_tick::<#row>(#scope);)
    });
    let mut early = std::collections::BTreeMap::new();
    let strata: Vec<TokenStream> = plan.strata.iter().enumerate().map(|(index, stratum)| {
        let function = format_ident!("__stratum_{}", index);
        let early_outputs = early_rules.get(index).map_or(&[][..], Vec::as_slice);
        let early_locals: Vec<Ident> = early_outputs
            .iter()
            .map(|&(r, _)| stratum::early_local(hir.relations[r]))
            .collect();
        for (&(r, _), local) in early_outputs.iter().zip(&early_locals) {
            early.insert(r, local.clone());
        }
        // A recursive stratum's rows leave it as the iterations derive them: they are early.
        if stratum.recursive {
            for &r in stratum.relations.iter().filter(|&&r| stratum::eager(hir, calm, r)) {
                early.insert(r, relation_local(hir.relations[r]));
            }
        }
        let reads = stratum
            .reads
            .iter()
            .map(|&r| relation_local(hir.relations[r]));
        let prevs = stratum
            .relations
            .iter()
            .filter(|r| plan.carried.contains(r))
            .map(|&r| {
                let prev = stratum::prev_local(hir.relations[r]);
                quote!(#prev.clone())
            });
        let defined = stratum
            .relations
            .iter()
            .map(|&r| relation_local(hir.relations[r]));
        quote!(let (#(#defined,)* #(#early_locals,)*) = Self::#function(#scope, #(&#reads,)* #(#prevs),*);)
    }).collect();
    let transition = (!plan.carried.is_empty()).then(|| {
        let reads = plan
            .transition
            .reads
            .iter()
            .map(|&r| relation_local(hir.relations[r]));
        let next: Vec<_> = plan
            .carried
            .iter()
            .map(|&r| stratum::next_local(hir.relations[r]))
            .collect();
        let keep = plan.carried.iter().map(|&r| {
            let decl = hir.relations[r];
            let (keep, next, prev) = (
                stratum::keep_local(decl),
                stratum::next_local(decl),
                stratum::prev_local(decl),
            );
            // With keys, a tick that breaks one is rejected: its changes are held at a gate
            // until every worker has checked its keys.
            let checks = decl.key.map(|_| {
                let name = decl.name.to_string();
                let key = rule::key_function(decl);
                quote!(#io.check_key(#name, "the next tick", &#next, #key);)
            });
            let gate = keyed.then(|| quote!(let #next = #io.gate(&#next, &#prev);));
            // A channel's rows arrive when the network delivers them, those for nodes of other
            // programs leave (taken before the gate: a tick's gated rows come after it ends).
            let (away, deliver) = match decl.kind == Kind::Channel {
                true => {
                    let (away, location) = (away_local(decl), location(decl));
                    (
                        Some(quote!(let #away = #io.away(&#next, #location);)),
                        Some(quote!(let #next = #io.deliver(&#next, #location);)),
                    )
                }
                false => (None, None),
            };
            quote!(#checks #away #gate #deliver #keep.set(#next);)
        });
        quote! {
            let (#(#next,)*) = Self::__transition(#scope, #(&#reads),*);
            #(#keep)*
        }
    });
    let checks = hir
        .relations
        .iter()
        .filter(|d| d.key.is_some())
        .map(|decl| {
            let (name, local) = (decl.name.to_string(), relation_local(decl));
            let key = rule::key_function(decl);
            quote!(#io.check_key(#name, "this tick", &#local, #key);)
        });
    // A semi-naive stratum that only inserts sends each row of its relations once (a
    // lattice's rows are replaced as its values grow). One that also deletes does not: its
    // outputs count rows from the start, rather than all at once at the first deletion.
    let once: Vec<usize> = (plan.strata.iter().zip(fixpoints))
        .filter(|(_, semi_naive)| semi_naive.as_ref().is_some_and(|s| s.supports.is_none()))
        .flat_map(|(stratum, _)| stratum.relations.iter().copied())
        .filter(|&r| hir.relations[r].kind != Kind::Lattice)
        .collect();
    let registrations = hir.relations.iter().enumerate().filter_map(|(r, decl)| {
        let local = relation_local(decl);
        let once = once.contains(&r).then(|| quote!(#io.arrives_once();));
        match decl.kind {
            Kind::Output => Some(match early.get(&r) {
                Some(early) => quote!(#io.output_eager(&#local, &#early); #once),
                None => quote!(#io.output(&#local); #once),
            }),
            Kind::Table | Kind::Lattice => Some(quote!(#io.settle(&#local);)),
            Kind::Input | Kind::Periodic | Kind::Scratch | Kind::Channel => None,
        }
    });
    let sent_away = (hir.relations.iter().enumerate())
        .filter(|(_, d)| d.kind == Kind::Channel)
        .map(|(r, decl)| match plan.carried.contains(&r) {
            true => {
                let away = away_local(decl);
                quote!(#io.sent_away(&#away);)
            }
            // Nothing sends on it.
            false => {
                let local = relation_local(decl);
                quote!(#io.sent_away(&#local.clone().filter(|_| false));)
            }
        });
    let inspected = hir
        .relations
        .iter()
        .filter(|d| {
            matches!(
                d.kind,
                Kind::Table | Kind::Scratch | Kind::Channel | Kind::Lattice
            )
        })
        .map(|decl| {
            let local = relation_local(decl);
            quote!(#io.inspect(&#local);)
        });
    quote! {
        #[doc(hidden)]
        #[allow(unused_variables)]
        fn __dataflow(#scope: ::blossom::rt::Scope<'_, ::blossom::rt::Tick>, #io: &mut ::blossom::rt::WorkerIo) {
            #(#inputs)*
            #(#carried)*
            #(#strata)*
            #transition
            #(#checks)*
            #(#registrations)*
            #(#sent_away)*
            #(#inspected)*
        }
    }
}

/// Compile-time checks spanned at the user's types: every column type can be stored.
fn type_checks(hir: &Hir) -> TokenStream {
    let columns = hir
        .relations
        .iter()
        .flat_map(|decl| &decl.columns)
        .map(|column| {
            let ty = &column.ty;
            quote_spanned!(ty.span()=> ::blossom::rt::assert_column::<#ty>();)
        });
    quote!(#(#columns)*)
}
