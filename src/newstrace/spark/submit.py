"""The driver script for spark-submit: ``spark-submit … $(python -c 'import newstrace.spark.submit as s;
print(s.__file__)') trace --db … --run-dir …`` runs ``newstrace spark trace …`` with the cluster's master and
resources (README "Running on a Spark cluster")."""
import sys

from newstrace.cli import main

if __name__ == "__main__":
    sys.exit(main(["spark", *sys.argv[1:]]))
