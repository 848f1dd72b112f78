"""Reference values for the leak package's tests, from scikit-learn and SciPy.

Run from this folder (Debian: apt-get install python3-sklearn):  /usr/bin/python3 reference.py
It writes mia_scores.csv (seeded, with ties) when missing, then prints the figures that
reference_test.go holds. The Go code is our own; these libraries only check its numbers.
"""
import csv
import os
import random

import numpy as np
import scipy
import sklearn
from scipy import integrate, stats
from sklearn.metrics import roc_auc_score, roc_curve

if not os.path.exists("mia_scores.csv"):
    rng = random.Random(14)
    with open("mia_scores.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["score", "member"])
        for i in range(1800):
            member = i < 800
            # losses: members lower on average; two decimals make ties
            loss = round(rng.gauss(2.0 if member else 2.6, 0.7), 2)
            w.writerow([loss, 1 if member else 0])

y, s = [], []
with open("mia_scores.csv") as f:
    for row in csv.DictReader(f):
        y.append(int(row["member"]))
        s.append(float(row["score"]))
y, s = np.array(y), -np.array(s)  # lower loss = member: negate, as --lower-is-member does

print("scikit-learn", sklearn.__version__, "scipy", scipy.__version__)
print("auc %.17g" % roc_auc_score(y, s))
fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
print("roc points", len(fpr))
for bound in (0.001, 0.01):
    print("tpr_at_fpr %g %.17g" % (bound, tpr[fpr <= bound].max()))
print("advantage %.17g" % (tpr - fpr).max())

# Skew-normal log CDF: integrate the density with quad (relative tolerance only), since
# skewnorm.cdf's Owen's T form cancels in the lower tail.
for a, z in [(2.0, -3.0), (5.0, -4.0), (-3.0, -6.0), (1.5, 2.5), (4.0, -1.0)]:
    val, _ = integrate.quad(lambda t: stats.skewnorm.pdf(t, a), -np.inf, z, epsabs=0, epsrel=1e-12, limit=200)
    print("skewnorm a=%g z=%g logcdf %.17g" % (a, z, np.log(val)))
