// The compile-time benchmark's program (`compile-times.sh`): thirty rules over a road network,
// with joins, recursion, negation, aggregates, arithmetic and conditions, in 24 strata.
blossom::program! {
    /// Thirty rules over a road network.
    pub Wide {
        input   road(from: u32, to: u32, km: u32);
        input   closed(node: u32);
        input   limit(km: u32);
        input   home(node: u32);
        table   roads(from: u32, to: u32, km: u32);
        table   closures(node: u32);
        scratch link(from: u32, to: u32);
        scratch node(n: u32);
        scratch open(n: u32);
        scratch open_link(from: u32, to: u32);
        scratch reach(from: u32, to: u32);
        scratch open_reach(from: u32, to: u32);
        scratch route(from: u32, to: u32, km: u32);
        scratch same_level(a: u32, b: u32);
        scratch from_home(n: u32);
        output  cut_off(from: u32, to: u32);
        output  shortest(from: u32, to: u32, km: u32);
        output  two_hop(from: u32, to: u32);
        output  triangle(a: u32, b: u32, c: u32);
        output  on_cycle(n: u32);
        output  dead_end(n: u32);
        output  stranded(n: u32);
        output  degree(n: u32, out: u64);
        output  reachable(from: u32, n: u64);
        output  longest_road(from: u32, km: u32);
        output  unreachable(from: u32, to: u32);
        output  total_km(km: u32);
        output  level_pairs(a: u32, n: u64);

        roads(a, b, k) <= road(a, b, k);
        closures(n) <= closed(n);
        link(a, b) <= roads(a, b, _);
        node(a) <= link(a, _);
        node(b) <= link(_, b);
        open(n) <= node(n), !closures(n);
        open_link(a, b) <= link(a, b), open(a), open(b);
        reach(a, b) <= link(a, b);
        reach(a, c) <= reach(a, b), link(b, c);
        open_reach(a, b) <= open_link(a, b);
        open_reach(a, c) <= open_reach(a, b), open_link(b, c);
        cut_off(a, b) <= reach(a, b), open(a), !open_reach(a, b);
        route(a, b, k) <= roads(a, b, k);
        route(a, c, t) <= route(a, b, k), roads(b, c, w), limit(max),
            let t = k.saturating_add(w), if t <= max;
        shortest(a, b, min(k)) <= route(a, b, k);
        two_hop(a, c) <= link(a, b), link(b, c), if a != c;
        triangle(a, b, c) <= link(a, b), link(b, c), link(c, a), if a < b, if a < c;
        on_cycle(a) <= reach(a, a);
        same_level(a, a) <= home(a);
        same_level(x, y) <= same_level(a, b), link(a, x), link(b, y);
        dead_end(n) <= node(n), !link(n, _);
        from_home(n) <= home(h), reach(h, n);
        stranded(h) <= home(h), closures(h);
        stranded(n) <= node(n), !from_home(n), !closures(n);
        degree(a, count()) <= link(a, _);
        reachable(a, count()) <= reach(a, _);
        longest_road(a, max(k)) <= roads(a, _, k);
        unreachable(a, b) <= home(a), node(b), !reach(a, b);
        total_km(sum(k)) <= roads(_, _, k);
        level_pairs(a, count()) <= same_level(a, _);
    }
}
