"""Jupyter kernel conformance suite (jupyter_kernel_test) for nerlab-kernel.

Run by kernel/conformance_test.go with JUPYTER_PATH pointing at a temporary
kernelspec; by hand: JUPYTER_PATH=... /usr/bin/python3 -m unittest kernel/testdata/conformance.py
"""
import unittest

import jupyter_kernel_test


class NerlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "nerlab"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Print("hello, world")'
    code_stderr = 'import "os"\nos.Stderr.WriteString("a message on stderr\\n")'

    completion_samples = [
        {"text": "fmt.Printl", "matches": {"fmt.Println"}},
        {"text": "strings.ToUp", "matches": {"strings.ToUpper", "strings.ToUpperSpecial"}},
    ]
    complete_code_samples = ["1", 'fmt.Println("x")', "func f() int { return 1 }", "x := []int{1, 2}"]
    incomplete_code_samples = ["func f() {", "x := []int{1,", 'y := "unterminated']
    invalid_code_samples = ["}", "x := )"]

    code_generate_error = 'panic("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "ab"},
        {"code": "1 + 2", "result": "3"},
    ]
    # As in gophernotes: display is imported, Display is global.
    code_display_data = [
        {"code": 'Display(display.HTML("<b>bold</b>"))', "mime": "text/html"},
        {"code": 'Display(display.SVG("<svg xmlns=\'http://www.w3.org/2000/svg\'/>"))', "mime": "image/svg+xml"},
        {"code": 'import "github.com/nerlab/nerlab/kernel/display"\ndisplay.Display(display.Markdown("*x*"))', "mime": "text/markdown"},
    ]
    code_history_pattern = "1 +*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "strings.ToUpper"
    code_clear_output = "display.Clear(false)"


if __name__ == "__main__":
    unittest.main()
