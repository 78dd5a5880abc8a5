"""One request's messages through jupyter_client, for the kernel's Python suites."""
import time


def collect(kc, msg_id, timeout):
    """The iopub messages of request msg_id, up to its idle status, and its
    reply's content, all within timeout seconds. Messages of other requests
    are skipped (start-up may have sent a second kernel_info_request)."""
    deadline = time.time() + timeout
    left = lambda: max(0.1, deadline - time.time())
    msgs = []
    while True:
        m = kc.get_iopub_msg(timeout=left())
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
        msgs.append(m)
    while True:
        reply = kc.get_shell_msg(timeout=left())
        if reply["parent_header"].get("msg_id") == msg_id:
            return msgs, reply["content"]
