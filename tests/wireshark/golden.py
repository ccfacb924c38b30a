#!/usr/bin/env python3
"""The codec's golden frames through the dissector: one frame of every message type.

  golden.py write CODEC_TEST_CPP OUT.pcap   the frames of tests/unit/wire/codec_test.cpp as a
                                           TCP connection (handshake, ACKs) in a pcap
  golden.py check CODEC_TEST_CPP FIELDS.tsv  checks tshark's fields (FIELDS below) of it

The client sends the frames cut into uneven segments (several frames in one segment, frames
across segments, a header split in two); the server sends them again in one segment. `check`
wants every frame, in order, with its type name and the field values of
tests/unit/wire/samples.hpp (the samples the golden bytes encode). Exits 1 on a mismatch.
"""
import re
import struct
import sys

# tshark -T fields columns for `check`, and the values samples.hpp gives them (lists joined
# with "," as tshark prints them).
EXPECTED = {
    "raintree.hello.id": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    "raintree.hello.listen": "127.0.0.1:40001",
    "raintree.hello.role": "validator,archival",
    "raintree.heartbeat.sent_us": "1700000000000000",
    "raintree.gossip.id": "0x0102030405060708",
    "raintree.gossip.group": "validators",
    "raintree.gossip.level": "3",
    "raintree.gossip.kind": "1",
    "raintree.gossip.hops": "2",
    "raintree.gossip.range_start": "5",
    "raintree.gossip.range_size": "9",
    "raintree.gossip.origin_time_us": "1700000000123456",
    "raintree.gossip.payload": "deadbeef",
    "raintree.ack.id": "0x0a0b0c0d0e0f1011",
    "raintree.ack.level": "2",
    "raintree.igym.direction": "1",
    "raintree.igym_reply.want": "1",
    "raintree.advert.artifact_id": "0x000000000000002a",
    "raintree.advert.size": "1048576",
    "raintree.advert.height": "1000",
    "raintree.advert.kind": "2",
    "raintree.advert.integrity_hash": "".join("%02x" % (0xa0 + i) for i in range(32)),
    "raintree.request.offset": "65536",
    "raintree.request.length": "65536",
    "raintree.artifact.offset": "2",
    "raintree.artifact.total_size": "6",
    "raintree.artifact.chunk": "01020304",
    "raintree.retransmit_request.min_height": "999",
    "raintree.control_hello.token": "s3cret",
    "raintree.control_request.request_id": "5",
    "raintree.control_request.json": '{"cmd":"status"}',
    "raintree.control_response.json": '{"ok":true}',
    "raintree.event_batch.dropped": "3",
    "raintree.event.seq": "7",
    "raintree.event.time_us": "1700000000000001",
    "raintree.event.kind": "2",
    "raintree.event.msg_id": "0x1122334455667788",
    "raintree.event.peer": "".join("%02x" % (0x40 + i) for i in range(32)),
    "raintree.event.bytes": "1030",
}
FIELDS = ["frame.number", "raintree.type_name", "_ws.expert.message"] + list(EXPECTED)


def golden_frames(path):
    src = open(path, encoding="utf-8").read()
    block = src[src.index("golden() {"):]
    block = block[:block.index("return frames;")]
    frames = []
    for m in re.finditer(r'\{MessageType::(\w+),\s*((?:"[0-9a-f]*"\s*)+)\}', block):
        hexes = re.findall(r'"([0-9a-f]*)"', m.group(2))
        frames.append((m.group(1), bytes.fromhex("".join(hexes))))
    if not frames:
        sys.exit("no golden frames found in " + path)
    return frames


class Pcap:
    def __init__(self, out):
        self.out = out
        self.usec = 0
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))  # Ethernet

    def packet(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64,
                         6, 0, bytes(src), bytes(dst))
        data = b"\0" * 12 + b"\x08\x00" + ip + tcp + payload
        self.usec += 1
        self.out.write(struct.pack("<IIII", 1700000000, self.usec, len(data), len(data)) + data)


def write(frames, path):
    stream = b"".join(f for _, f in frames)
    cli, srv = (127, 0, 0, 1), (127, 0, 0, 2)
    cport, sport = 40001, 50001  # no Wireshark dissector claims either port
    SYN, ACK, PSH = 0x02, 0x10, 0x08
    with open(path, "wb") as out:
        p = Pcap(out)
        p.packet(cli, srv, cport, sport, 1000, 0, SYN)
        p.packet(srv, cli, sport, cport, 5000, 1001, SYN | ACK)
        p.packet(cli, srv, cport, sport, 1001, 5001, ACK)
        seq, i, k = 1001, 0, 0
        cuts = [100, 3, 40, 1, 200, 90, 2, 150]
        while i < len(stream):
            seg = stream[i:i + cuts[k % len(cuts)]]
            p.packet(cli, srv, cport, sport, seq, 5001, ACK | PSH, seg)
            seq, i, k = seq + len(seg), i + len(seg), k + 1
        p.packet(srv, cli, sport, cport, 5001, seq, ACK | PSH, stream)


def check(frames, fields_path):
    rows = [dict(zip(FIELDS, line.rstrip("\n").split("\t"))) for line in open(fields_path)]
    names = [n for r in rows for n in r["raintree.type_name"].split(",") if n]
    want = [n for n, _ in frames] * 2
    ok = names == want
    print(f"  {'ok  ' if ok else 'FAIL'} golden frames dissected in order: {len(names)} of {len(want)}"
          f" ({len(frames)} types, twice)")
    if not ok:
        print(f"       got {names}")
    experts = [(r["frame.number"], r["_ws.expert.message"]) for r in rows if r.get("_ws.expert.message")]
    print(f"  {'ok  ' if not experts else 'FAIL'} no expert info on the golden frames" +
          (f": {experts[:3]}" if experts else ""))
    bad = []
    for field, value in EXPECTED.items():
        # Each value appears once per direction: the client's copy and the server's.
        got = [v for r in rows for v in ([r[field]] if r.get(field) else [])]
        if got != [value, value]:
            bad.append((field, got, value))
    print(f"  {'ok  ' if not bad else 'FAIL'} {len(EXPECTED)} field values as in samples.hpp")
    for field, got, value in bad:
        print(f"       {field}: got {got}, want {value!r} twice")
    return 0 if ok and not experts and not bad else 1


def main():
    mode, codec_test, path = sys.argv[1:4]
    frames = golden_frames(codec_test)
    if mode == "write":
        write(frames, path)
        return 0
    return check(frames, path)


if __name__ == "__main__":
    sys.exit(main())
