#!/usr/bin/env python3
"""Reference prototype: next-basket evaluation on Online Retail (EVAL.md) + the
online "repeat-rate + trending popularity" recommender.

Usage:
  python3 bench/receval_proto.py --events ../shared/data/online-retail/events.tsv
      [--sensitivity] [--knn]

Stdlib only.  Everything below the harness is computed from a single pass over the
train events in timestamp (file) order, using only state the server keeps online:

  per user u : B_u  = number of distinct baskets (distinct ts) seen so far
               hist_u = LRU of the last H distinct items, per item i:
                        c   = number of distinct baskets containing i
                        b0  = value of B_u at the basket where i entered the history
                        first_ts, last_ts
  per item i : pop(i) = sum over (user, item, basket) of 2^(-(now - ts)/half_life)
                        (a decayed counter, incremented once per distinct basket)

Query for user u at time now (= cutoff):
  n_u(i)   = B_u - b0(i) + 1      (the user's baskets since i entered the history)
  own(i)   = c / (n_u(i) + K)     (smoothed repeat rate; only for items in hist_u)
  pop~(j)  = pop(j) / max_j pop(j)
  score(j) = own(j) + BETA * pop~(j)
  Variant a: no exclusion.  Variant b: the user's train items are excluded (so the
  list is the trending popularity ranking).  Ties: EVAL.md popularity order; then
  EVAL.md popularity padding.

Defaults: H=200, K=3, BETA=0.3, HALF_LIFE=3 days.
"""
import argparse
import calendar
import collections
import heapq
import math
import time

CUT = '2011-11-01T00:00:00Z'
POP30 = '2011-10-02T00:00:00Z'
DAY = 86400.0


def tsec(s):
    return calendar.timegm(time.strptime(s, '%Y-%m-%dT%H:%M:%SZ'))


# ----------------------------------------------------------------------------- harness
class Data:
    def __init__(self, path):
        self.train = []  # (user, item, ts string, ts seconds) in file (= ts) order
        test_first = {}  # user -> (first ts >= cutoff, items of that basket)
        secs = {}
        with open(path) as f:
            next(f)  # header
            for line in f:
                u, i, t, _type, _qty = line.rstrip('\n').split('\t')
                if t < CUT:
                    s = secs.get(t)
                    if s is None:
                        s = secs[t] = tsec(t)
                    self.train.append((u, i, t, s))
                else:
                    cur = test_first.get(u)
                    if cur is None or t < cur[0]:
                        test_first[u] = (t, {i})
                    elif t == cur[0]:
                        cur[1].add(i)
        assert all(self.train[k][2] <= self.train[k + 1][2] for k in range(len(self.train) - 1))
        self.now = tsec(CUT)
        self.uitems = collections.defaultdict(set)
        users30 = collections.defaultdict(set)
        users_all = collections.defaultdict(set)
        for u, i, t, _ in self.train:
            self.uitems[u].add(i)
            users_all[i].add(u)
            if t >= POP30:
                users30[i].add(u)
        self.catalogue = set(users_all)
        self.pop_list = sorted(self.catalogue,
                               key=lambda i: (-len(users30[i]), -len(users_all[i]), i))
        self.pop_rank = {i: r for r, i in enumerate(self.pop_list)}
        self.targets = {'a': {}, 'b': {}}
        for u, (_, basket) in test_first.items():
            if u in self.uitems:
                self.targets['a'][u] = basket
                new = basket - self.uitems[u]
                if new:
                    self.targets['b'][u] = new

    def top10(self, scores, exclude, k=10):
        """Candidates with score > 0, not excluded, by score desc then popularity
        order; first k; then popularity padding."""
        pr = self.pop_rank
        cand = [(-s, pr[i], i) for i, s in scores.items()
                if s > 0 and i in pr and i not in exclude]
        L = [x[2] for x in heapq.nsmallest(k, cand)]
        if len(L) < k:
            have = set(L)
            for i in self.pop_list:
                if i not in have and i not in exclude:
                    L.append(i)
                    if len(L) == k:
                        break
        return L

    def evaluate(self, scorer, variant, k=10):
        """scorer(user) -> dict item -> score."""
        T = self.targets[variant]
        disc = [1.0 / math.log2(r + 2) for r in range(k)]
        hr = rec = nd = 0.0
        cov = set()
        for u in sorted(T):
            ex = self.uitems[u] if variant == 'b' else ()
            L = self.top10(scorer(u), ex, k)
            t = T[u]
            hits = [r for r, i in enumerate(L) if i in t]
            cov.update(L)
            hr += 1 if hits else 0
            rec += len(hits) / len(t)
            nd += sum(disc[r] for r in hits) / sum(disc[:min(k, len(t))])
        n = len(T)
        return dict(n=n, hr=hr / n, recall=rec / n, ndcg=nd / n,
                    cov=len(cov) / len(self.catalogue))


def fmt(m):
    return 'users=%4d  HR@10=%.4f  Recall@10=%.4f  NDCG@10=%.4f  coverage@10=%.4f' % (
        m['n'], m['hr'], m['recall'], m['ndcg'], m['cov'])


# ----------------------------------------------------------------------------- online state
class OnlineState:
    """One pass over train events in ts order; only online-maintainable state."""

    def __init__(self, D, H=200, half_life_days=3.0):
        self.H = H
        self.nbask = collections.Counter()          # B_u
        self.last_ts = {}                           # u -> ts of u's latest event
        self.hist = collections.defaultdict(collections.OrderedDict)  # u -> item -> entry
        self.pop = collections.defaultdict(float)   # decayed counter, value as of pop_t
        self.pop_t = {}
        hl = half_life_days * DAY
        for u, i, _, s in D.train:
            self.ingest(u, i, s, hl)
        self.now = D.now
        self.hl = hl

    def ingest(self, u, i, s, hl):
        if self.last_ts.get(u) != s:                # first line of a new basket of u
            self.nbask[u] += 1
            self.last_ts[u] = s
        h = self.hist[u]
        e = h.get(i)
        if e is not None and e[3] == s:
            return                                  # duplicate line inside the basket
        # decayed popularity, once per (user, item, basket): v <- v*2^(-dt/hl) + 1
        if i in self.pop_t:
            self.pop[i] *= 2.0 ** (-(s - self.pop_t[i]) / hl)
        self.pop[i] += 1.0
        self.pop_t[i] = s
        if e is None:                               # entry: [c, b0, first_ts, last_ts]
            h[i] = [1, self.nbask[u], s, s]
            if len(h) > self.H:
                h.popitem(last=False)               # evict least recently bought
        else:
            e[0] += 1
            e[3] = s
            h.move_to_end(i)

    def popularity_at(self, now):
        return {i: v * 2.0 ** (-(now - self.pop_t[i]) / self.hl) for i, v in self.pop.items()}


def make_scorer(st, K=3.0, beta=0.3, own=True):
    pop = st.popularity_at(st.now)
    mx = max(pop.values())
    base = {i: beta * v / mx for i, v in pop.items()}

    def score(u):
        out = dict(base)
        if own:
            B = st.nbask[u]
            for i, (c, b0, _f, _l) in st.hist[u].items():
                out[i] = out.get(i, 0.0) + c / (B - b0 + 1 + K)
        return out
    return score


# ----------------------------------------------------------------------------- simpler references
def own_count_scorer(st):
    """Own items by basket count (ties: popularity order)."""
    return lambda u: {i: e[0] for i, e in st.hist[u].items()}


def cosine_knn_scorer(D, st, P=50, own_weight=None):
    """Plain cosine item-kNN on the user x item binary matrix, computed online:
    when item i enters u's history, C(i,j) += 1 and C(j,i) += 1 for every j already
    in the history; N(i) += 1.  S(i,j) = C(i,j)/sqrt(N(i)N(j)); profile = last 50
    items of the history (by last ts desc, item id asc).  If own_weight is given,
    the list is: own basket count + own_weight * kNN/max(kNN)."""
    C = collections.defaultdict(lambda: collections.defaultdict(float))
    N = collections.Counter()
    hist = collections.defaultdict(collections.OrderedDict)
    for u, i, _, s in D.train:
        h = hist[u]
        if i not in h:
            N[i] += 1
            for j in h:
                C[i][j] += 1.0
                C[j][i] += 1.0
            h[i] = True
            if len(h) > st.H:
                h.popitem(last=False)
        else:
            h.move_to_end(i)

    def score(u):
        prof = sorted(st.hist[u].items(), key=lambda kv: (-kv[1][3], kv[0]))[:P]
        acc = collections.defaultdict(float)
        for i, _ in prof:
            w = 1.0 / math.sqrt(N[i])
            for j, c in C[i].items():
                acc[j] += w * c
        out = {j: v / math.sqrt(N[j]) for j, v in acc.items()}
        if own_weight is not None:
            mx = max(out.values(), default=1.0) or 1.0
            out = {j: own_weight * v / mx for j, v in out.items()}
            for i, e in st.hist[u].items():
                out[i] = out.get(i, 0.0) + e[0]
        return out
    return score


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--events', default='../shared/data/online-retail/events.tsv')
    ap.add_argument('--H', type=int, default=200)
    ap.add_argument('--K', type=float, default=3.0)
    ap.add_argument('--beta', type=float, default=0.3)
    ap.add_argument('--half-life', type=float, default=3.0, help='days')
    ap.add_argument('--sensitivity', action='store_true')
    ap.add_argument('--knn', action='store_true', help='also run cosine kNN references (slow)')
    a = ap.parse_args()

    D = Data(a.events)
    print('train lines %d, catalogue %d, test users a=%d b=%d' % (
        len(D.train), len(D.catalogue), len(D.targets['a']), len(D.targets['b'])))
    assert len(D.catalogue) == 3607 and len(D.targets['a']) == 1540 and len(D.targets['b']) == 1403

    def both(name, scorer, variants='ab'):
        for v in variants:
            print('%-44s %s  %s' % (name, v, fmt(D.evaluate(scorer, v))), flush=True)

    both('popularity order (EVAL.md)', lambda u: {})
    st = OnlineState(D, H=a.H, half_life_days=a.half_life)
    both('own basket count', own_count_scorer(st), 'a')
    both('decayed popularity hl=%gd' % a.half_life, make_scorer(st, a.K, a.beta, own=False))
    both('MODEL own c/(n+%g) + %g*pop(hl=%gd)' % (a.K, a.beta, a.half_life),
         make_scorer(st, a.K, a.beta))
    if a.knn:
        knn = cosine_knn_scorer(D, st)
        both('cosine item-kNN (profile 50)', knn)
        both('own count + 0.3*kNN/max', cosine_knn_scorer(D, st, own_weight=0.3), 'a')

    if a.sensitivity:
        print('\nsensitivity (NDCG@10 a / b, HR@10 b); one parameter changed at a time')
        rows = [('default', a.H, a.K, a.beta, a.half_life)]
        for f in (0.5, 2.0):
            rows.append(('K x%g' % f, a.H, a.K * f, a.beta, a.half_life))
        for f in (0.5, 2.0):
            rows.append(('beta x%g' % f, a.H, a.K, a.beta * f, a.half_life))
        for f in (0.5, 2.0):
            rows.append(('half-life x%g' % f, a.H, a.K, a.beta, a.half_life * f))
        for H in (50, 100, 400):
            rows.append(('H=%d' % H, H, a.K, a.beta, a.half_life))
        cache = {}
        for name, H, K, beta, hl in rows:
            key = (H, hl)
            if key not in cache:
                cache[key] = OnlineState(D, H=H, half_life_days=hl)
            sc = make_scorer(cache[key], K, beta)
            ma, mb = D.evaluate(sc, 'a'), D.evaluate(sc, 'b')
            print('  %-14s H=%-4d K=%-4g beta=%-5g hl=%-4gd  a NDCG %.4f HR %.4f | b NDCG %.4f HR %.4f'
                  % (name, H, K, beta, hl, ma['ndcg'], ma['hr'], mb['ndcg'], mb['hr']), flush=True)


if __name__ == '__main__':
    main()
