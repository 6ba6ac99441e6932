#!/usr/bin/python3
"""Writes the seed corpus of fuzz_run (tests/fuzz/corpus_run) in the layout fuzz_run.c reads:
a flags byte; then per input (input_ids, attention_mask, token_type_ids) a dtype selector, the
rank, the dims (each stored as dim + 1) and 2 bytes per element, read as value + offset modulo
the input's range (ids: 32 below 0, mask and token types: 1 below 0). Standard library only."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus_run")
INT64, INT32 = 0, 5


def request(flags, batch, seq, ids, mask, types, dtype=INT64):
    data = bytes([flags])
    for values, offset in ((ids, 32), (mask, 1), (types, 1)):
        data += bytes([dtype, 2, batch + 1, seq + 1])
        data += b"".join(struct.pack("<H", v + offset) for v in values)
    return data


def main():
    os.makedirs(OUT, exist_ok=True)
    ids = [101, 7592, 1010, 2088, 999, 2023, 2003, 102]
    seeds = {
        "b1s8": request(0, 1, 8, ids, [1] * 8, [0] * 8),
        "b1s8_padded_removal": request(1, 1, 8, ids, [1] * 5 + [0] * 3, [0] * 8),
        "b1s8_int32": request(0, 1, 8, ids, [1] * 8, [0] * 4 + [1] * 4, INT32),
        "b1s8_by_position": request(2, 1, 8, ids, [1] * 8, [0] * 8),
        "b1s8_caller_buffer": request(8, 1, 8, ids, [1] * 8, [0] * 8),
        "b1s8_buffer_too_small": request(24, 1, 8, ids, [1] * 8, [0] * 8),
        "b2s4_padded": request(1, 2, 4, ids, [1, 1, 1, 1, 1, 1, 0, 0], [0] * 8),
        "b1s8_no_error_struct": request(32, 1, 8, ids, [1] * 8, [0] * 8),
        "b1s8_bad_id_no_error_struct": request(32, 1, 8, ids[:3] + [30530] + ids[4:], [1] * 8,
                                               [0] * 8),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
