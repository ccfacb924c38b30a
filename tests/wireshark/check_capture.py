#!/usr/bin/env python3
"""Checks tshark's dissection of a captured `raintree-lab run` against the run's own files.

usage: check_capture.py FIELDS.tsv REPORT.json CLUSTER.json MESSAGES_HPP MESSAGES_CPP

FIELDS.tsv is `tshark -T fields` output (columns: FIELDS below, lists joined with ",") of every
TCP packet on the run's ports. Checks, printing what it counted:
  (a) every TCP payload byte, per connection direction, belongs to a dissected frame, no
      packet is malformed (a dissector ran out of data: ours or JSON's), and no expert info of warning level or above comes from anything but TCP's sequence analysis
      (resets of refused dials, a full window: transport events, not dissection problems);
  (b) every frame's type name is the codec's name for its code (core/wire/messages.*), the
      Info column names it, and the types the run must produce are there;
  (c) the report agrees exactly: gossip frames received / sent per node = the node's `reads` /
      `writes`, per broadcast = `payload_copies`, their bytes = `totals.payload_bytes`, and the
      ACK/IGYM/IGYM-reply bytes of the run's broadcasts = `totals.control_bytes`.
Exits 1 on any failure.
"""
import collections
import json
import re
import sys

FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.len",
          "tcp.segment.count", "raintree.type", "raintree.type_name", "raintree.length",
          "raintree.hello.id", "raintree.hello.listen", "raintree.gossip.id", "raintree.ack.id",
          "raintree.igym.id", "raintree.igym_reply.id", "raintree.control_request.request_id",
          "raintree.control_response.request_id", "_ws.col.Info", "tcp.analysis.retransmission",
          "_ws.expert.group", "_ws.expert.severity", "_ws.expert.message", "_ws.malformed"]
HEADER_SIZE = 6
PI_SEQUENCE, PI_WARN = 0x02000000, 0x00600000  # epan/proto.h expert group and severity
# Frames the report counts as control bytes of a broadcast (they name its id).
CONTROL_ID_FIELDS = {"ack": "raintree.ack.id", "igym": "raintree.igym.id",
                     "igym_reply": "raintree.igym_reply.id"}
MUST_APPEAR = {"peer": ["hello", "heartbeat", "gossip", "ack"],
               "control": ["control_hello", "control_request", "control_response"]}

failures = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        failures.append(what)


def codec_type_names(hpp, cpp):
    """Type code -> name, from the MessageType enum and type_name() of the codec."""
    enum = re.search(r"enum class MessageType[^{]*\{(.*?)\};", open(hpp).read(), re.S).group(1)
    codes = {m.group(1): int(m.group(2), 16) for m in re.finditer(r"(\w+)\s*=\s*0x([0-9a-fA-F]+)", enum)}
    names = dict(re.findall(r'case MessageType::(\w+):\s*return "(\w+)";', open(cpp).read()))
    return {codes[k]: names[k] for k in codes}


def split(value):
    return value.split(",") if value else []


def main():
    fields_path, report_path, cluster_path, hpp, cpp = sys.argv[1:6]
    report = json.load(open(report_path))
    cluster = json.load(open(cluster_path))
    codec_names = codec_type_names(hpp, cpp)

    rank_of_id = {n["id"]: n["rank"] for n in report["nodes"]}
    listen_port = {int(n["listen"].rsplit(":", 1)[1]): n["rank"] for n in cluster["nodes"]}
    control_port = {int(n["control"].rsplit(":", 1)[1]): n["rank"] for n in cluster["nodes"]}
    listen_of_rank = {n["rank"]: n["listen"] for n in cluster["nodes"]}

    packets = []
    for line in open(fields_path):
        values = line.rstrip("\n").split("\t")
        values += [""] * (len(FIELDS) - len(values))
        packets.append(dict(zip(FIELDS, values)))

    def link_kind(p):
        ports = {int(p["tcp.srcport"]), int(p["tcp.dstport"])}
        if ports & listen_port.keys():
            return "peer"
        if ports & control_port.keys():
            return "control"
        return None

    tcp_bytes = collections.Counter()    # (stream, src port) -> TCP payload bytes
    frame_bytes = collections.Counter()  # (stream, src port) -> bytes of dissected frames
    types = {"peer": collections.Counter(), "control": collections.Counter()}
    sender = {}                          # (stream, port) -> rank, from HELLO frames
    gossip = []                          # (stream, src port, dst port, id, frame size)
    control_bytes_by_id = collections.Counter()
    requests, responses = collections.Counter(), collections.Counter()
    bad_names, bad_info, bad_listen, experts, malformed = [], [], [], [], []
    samples = {}                         # type name -> the first Info column naming it
    tcp_events = collections.Counter()
    multi_frame_packets = split_frames = 0

    for p in packets:
        kind = link_kind(p)
        if kind is None:
            continue
        stream, src, dst = p["tcp.stream"], int(p["tcp.srcport"]), int(p["tcp.dstport"])
        if p["_ws.malformed"]:  # a protocol item: tshark prints its text
            malformed.append(p["frame.number"])
        if not p["tcp.analysis.retransmission"]:  # TCP reassembles the first copy only
            tcp_bytes[(stream, src)] += int(p["tcp.len"] or 0)
        for group, severity in zip(split(p["_ws.expert.group"]), split(p["_ws.expert.severity"])):
            if int(group) == PI_SEQUENCE:
                tcp_events[int(severity) >= PI_WARN] += 1
            elif int(severity) >= PI_WARN:
                experts.append((p["frame.number"], p["_ws.expert.message"]))
        codes = [int(c, 16) for c in split(p["raintree.type"])]
        names = split(p["raintree.type_name"])
        lengths = [int(n) for n in split(p["raintree.length"])]
        if len(codes) > 1:
            multi_frame_packets += 1
        split_frames += sum(1 for n in split(p["tcp.segment.count"]) if int(n) > 1)
        # The Info column lists the frames in order: "GOSSIP id=… | ACK id=…".
        info = [part.split(" ")[0] for part in p["_ws.col.Info"].split(" | ")] if codes else []
        if info != [n.upper() for n in names]:
            bad_info.append((p["frame.number"], p["_ws.col.Info"][:60]))
        per_type = collections.Counter()
        for code, name, length in zip(codes, names, lengths):
            types[kind][name] += 1
            samples.setdefault(name, f'{p["frame.number"]:>6}  {p["_ws.col.Info"][:110]}')
            frame_bytes[(stream, src)] += HEADER_SIZE + length
            if codec_names.get(code) != name:
                bad_names.append((p["frame.number"], code, name))
            k = per_type[name]
            per_type[name] += 1
            if name == "hello":
                node_id = split(p["raintree.hello.id"])[k]
                rank = rank_of_id.get(node_id)
                sender[(stream, src)] = rank
                if rank is None or split(p["raintree.hello.listen"])[k] != listen_of_rank[rank]:
                    bad_listen.append(p["frame.number"])
            elif name == "gossip":
                gossip.append((stream, src, dst, split(p["raintree.gossip.id"])[k],
                               HEADER_SIZE + length))
            elif name in CONTROL_ID_FIELDS:
                control_bytes_by_id[split(p[CONTROL_ID_FIELDS[name]])[k]] += HEADER_SIZE + length
            elif name == "control_request":
                requests[(stream, split(p["raintree.control_request.request_id"])[k])] += 1
            elif name == "control_response":
                responses[(stream, split(p["raintree.control_response.request_id"])[k])] += 1

    print("frames per type:")
    for kind in ("peer", "control"):
        listing = ", ".join(f"{n} {c}" for n, c in sorted(types[kind].items()))
        print(f"  {kind} links: {listing or 'none'}")

    print("(a) coverage:")
    directions = sorted(set(tcp_bytes) | set(frame_bytes))
    short = [d for d in directions if tcp_bytes[d] != frame_bytes[d]]
    check(not short, f"{len(directions)} connection directions, {sum(tcp_bytes.values())} TCP payload "
          f"bytes = {sum(frame_bytes.values())} bytes in frames" +
          (f"; differing: {short[:5]}" if short else ""))
    check(not malformed, "no malformed packets" + (f"; found in frames {malformed[:5]}" if malformed else ""))
    check(not experts, f"no expert info >= warning but TCP's ({tcp_events[True]} TCP warnings, "
          f"{tcp_events[False]} TCP notes and chats)" + (f"; found: {experts[:5]}" if experts else ""))
    check(split_frames > 0, f"{split_frames} frames reassembled from several TCP segments, "
          f"{multi_frame_packets} packets carry several frames")

    print("(b) names:")
    check(not bad_names, "every frame's type name is the codec's name for its code" +
          (f"; wrong: {bad_names[:5]}" if bad_names else ""))
    check(not bad_info, "the Info column names every frame, in order" + (f"; missing: {bad_info[:5]}" if bad_info else ""))
    for kind, wanted in MUST_APPEAR.items():
        missing = [n for n in wanted if types[kind][n] == 0]
        check(not missing, f"{kind} links carry {', '.join(wanted)}" +
              (f"; missing: {missing}" if missing else ""))
    check(not bad_listen, "every HELLO names a member and its listen endpoint" +
          (f"; wrong in frames {bad_listen[:5]}" if bad_listen else ""))
    unpaired = {k: (requests[k], responses[k]) for k in requests if responses[k] != 1 or requests[k] != 1}
    check(not unpaired, f"{sum(requests.values())} control requests, each answered once "
          "on its connection by request id" + (f"; unpaired: {list(unpaired)[:5]}" if unpaired else ""))

    print("(c) against the report:")
    ranks = sorted(n["rank"] for n in report["nodes"])
    unknown = [g for g in gossip if (g[0], g[1]) not in sender or (g[0], g[2]) not in sender]
    check(not unknown, f"{len(gossip)} gossip frames, each on a link whose two HELLOs were seen")
    reads = collections.Counter(sender.get((g[0], g[2])) for g in gossip)
    writes = collections.Counter(sender.get((g[0], g[1])) for g in gossip)
    node = {n["rank"]: n for n in report["nodes"]}
    got_r, want_r = [reads[r] for r in ranks], [node[r]["reads"] for r in ranks]
    got_w, want_w = [writes[r] for r in ranks], [node[r]["writes"] for r in ranks]
    check(got_r == want_r, f"gossip received per rank {got_r} = report nodes[].reads {want_r}")
    check(got_w == want_w, f"gossip sent per rank {got_w} = report nodes[].writes {want_w}")
    totals = report["totals"]
    check(len(gossip) == totals["reads"] == totals["writes"],
          f"gossip frames {len(gossip)} = totals.reads {totals['reads']} = totals.writes {totals['writes']}")
    per_id = collections.Counter(g[3] for g in gossip)
    want_ids = {"0x" + b["id"]: b["payload_copies"] for b in report["broadcasts"]}
    check(dict(per_id) == want_ids, "gossip frames per broadcast id = payload_copies: " +
          ", ".join(f"{i[2:10]}… {per_id[i]}/{c}" for i, c in want_ids.items()))
    payload = sum(g[4] for g in gossip)
    check(payload == totals["payload_bytes"],
          f"gossip frame bytes {payload} = totals.payload_bytes {totals['payload_bytes']}")
    control = sum(v for k, v in control_bytes_by_id.items() if k in want_ids)
    check(control == totals["control_bytes"],
          f"ack+igym+igym_reply bytes of the run's broadcasts {control} = totals.control_bytes "
          f"{totals['control_bytes']}")

    print("the Info column of the first frame of each type:")
    for name in sorted(samples, key=lambda n: int(samples[n].split()[0])):
        print("  " + samples[name])

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
