#!/usr/bin/python3
"""Writes the seed corpus of fuzz_infer_request (tests/fuzz/corpus_infer): inference request
bodies as clients send them, each behind the target's 3-byte prefix (byte 0 bit 0: an
Inference-Header-Content-Length follows in bytes 1-2, little-endian). Standard library only."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus_infer")


def save(name, body, header_len=None):
    prefix = bytes([0, 0, 0]) if header_len is None else bytes([1]) + struct.pack("<H", header_len)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(prefix + body)


def tensor(name, data, shape, datatype="INT64", **extra):
    t = {"name": name, "datatype": datatype, "shape": shape, "data": data}
    t.update(extra)
    return t


def bert_inputs(ids, rows=1, nested=False, datatype="INT64"):
    n = len(ids) // rows
    def shaped(v):
        return [v[r * n:(r + 1) * n] for r in range(rows)] if nested else v
    return [tensor("input_ids", shaped(ids), [rows, n], datatype),
            tensor("attention_mask", shaped([1] * len(ids)), [rows, n], datatype),
            tensor("token_type_ids", shaped([0] * len(ids)), [rows, n], datatype)]


def main():
    os.makedirs(OUT, exist_ok=True)
    ids = [101, 7592, 2088, 102]
    save("flat.json", json.dumps({"inputs": bert_inputs(ids)}).encode())
    save("nested_two_rows.json", json.dumps({
        "id": "r1", "inputs": bert_inputs(ids + [101, 2023, 2003, 102], rows=2, nested=True),
        "outputs": [{"name": "pooler_output"}]}).encode())
    save("binary_output.json", json.dumps({
        "inputs": bert_inputs(ids), "parameters": {"binary_data_output": True},
        "outputs": [{"name": "last_hidden_state", "parameters": {"binary_data": True}},
                    {"name": "pooler_output", "parameters": {"binary_data": False}}]}).encode())
    save("int32.json", json.dumps({"inputs": bert_inputs(ids, datatype="INT32")}).encode())
    save("fp32_ids.json", json.dumps({"inputs": [tensor("input_ids", [1.5, 2.0], [1, 2], "FP32")]
                                      }).encode())
    # Triton's binary tensor extension: JSON header, then the raw little-endian tensors
    raw = [struct.pack("<%dq" % len(v), *v) for v in (ids, [1] * 4, [0] * 4)]
    header = json.dumps({"inputs": [
        {"name": n, "datatype": "INT64", "shape": [1, 4],
         "parameters": {"binary_data_size": len(r)}}
        for n, r in zip(("input_ids", "attention_mask", "token_type_ids"), raw)],
        "outputs": [{"name": "pooler_output", "parameters": {"binary_data": True}}]}).encode()
    save("binary_inputs.bin", header + b"".join(raw), header_len=len(header))


if __name__ == "__main__":
    main()
