"""Fits the float erf used by dev.jground.kernel.Erf and checks it in float32 arithmetic.

Two pieces, each a least-squares polynomial on Chebyshev nodes (near-minimax):
  |x| <  T : erf(a) = a + a * R(a^2),  R = erf(a)/a - 1 (the leading a is exact: one rounding at the end)
  |x| >= T : erf(a) = 1 - exp(fma(-a, a, Q(a - c))),  Q ~ log(erfc(a)) + a^2 on [T, 4]
             (the fma keeps a^2 exact; Q stays within [-2, -0.8], so its float coefficients round
             finely; erf(a) rounds to 1f past ~3.92)
Run: python3 tools/fit_erf.py   (numpy + mpmath); prints Java constants and the max abs error.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
T, HI, C = 1.0, 4.0, 2.5
DEG_P, DEG_Q = 6, 11


def cheb(lo, hi, n):
    k = np.arange(n)
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / n)


def fit(xs, ys, deg):
    A = np.vander(xs, deg + 1, increasing=True)
    return np.linalg.lstsq(A, ys, rcond=None)[0]


u = cheb(0, T * T, 400)
p = fit(u, np.array([float(mp.erf(mp.sqrt(v)) / mp.sqrt(v) - 1) for v in u]), DEG_P)
a = cheb(T, HI, 400)
q = fit(a - C, np.array([float(mp.log(mp.erfc(v)) + mp.mpf(v) ** 2) for v in a]), DEG_Q)

pf, qf = p.astype(np.float32), q.astype(np.float32)


def fma(a, b, c):
    # float32 inputs make the double product exact: one rounding, as Math.fma / FloatVector.fma
    c64 = np.float64(c) if np.isscalar(c) else c.astype(np.float64)
    return (a.astype(np.float64) * b.astype(np.float64) + c64).astype(np.float32)


def horner(c, t):
    r = np.full_like(t, np.float32(c[-1]))
    for ci in c[-2::-1]:
        r = fma(r, t, np.float32(ci))
    return r


def erf32(x):
    x = x.astype(np.float32)
    ax = np.minimum(np.abs(x), np.float32(HI))
    small = fma(ax, horner(pf, ax * ax), ax)
    large = np.float32(1) - np.exp(fma(-ax, ax, horner(qf, ax - np.float32(C)))).astype(np.float32)
    return np.copysign(np.where(ax < T, small, large), x)


xs = np.linspace(0, 6, 600001)
ref = np.array([float(mp.erf(v)) for v in xs[::10]])
err = np.max(np.abs(erf32(xs[::10]).astype(np.float64) - ref))
print("max abs error (float32 evaluation, 60001 points in [0, 6]):", err)
for name, c in (("R", pf), ("Q", qf)):
    print(name, ", ".join(repr(float(v)) + "f" for v in c))

