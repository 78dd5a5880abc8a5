"""Executes a notebook headless with the nerlab kernel and writes the result.

usage: run_notebook.py NOTEBOOK OUTPUT   (JUPYTER_PATH must find the kernelspec)

Exits non-zero, naming the cell, when a cell fails.
"""
import os
import sys

import nbclient
import nbformat


def main():
    src, dst = sys.argv[1], sys.argv[2]
    nb = nbformat.read(src, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="nerlab", timeout=600,
                                     resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        nbformat.write(nb, dst)
        print(e, file=sys.stderr)
        sys.exit(1)
    nbformat.write(nb, dst)


if __name__ == "__main__":
    main()
