-- Wireshark dissector for the RainTree Studio wire format (core/wire/codec.hpp).
--
-- Every socket the project opens speaks the same framing:
--   u32 big-endian body length | u8 version | u8 type | body
-- Peer links use types 0x01..0x7f, the loopback control channel 0x80..0xff
-- (docs/control-protocol.md). Integers are big-endian; short strings carry a u16 length, JSON
-- documents and payloads a u32 length (core/wire/byte_io.hpp). Field order below is the order of
-- read_body() in core/wire/codec.cpp: keep the two in step (tests/wireshark/dissector_test.sh
-- decodes the codec's golden frames to catch drift).
--
-- Ports are random, so the dissector registers as a TCP heuristic (and in Decode As).
-- Peer links are TLS 1.3 unless the nodes run with --insecure; see README.md.
--
-- Usage: tshark -X lua_script:raintree.lua ...  or copy to ~/.local/lib/wireshark/plugins/

local FRAME_VERSION = 1                -- wire::kFrameVersion
local HEADER_SIZE = 6                  -- wire::kHeaderSize
local MAX_BODY = 16 * 1024 * 1024      -- wire::kDefaultMaxBodySize: nodes refuse larger frames
local NODE_ID_SIZE = 32                -- NodeId::kSize
local EVENT_RECORD_SIZE = 64           -- wire::kEventRecordSize

local raintree = Proto("raintree", "RainTree Studio wire protocol")

raintree.prefs.decode_json = Pref.bool("Decode control JSON", true,
  "Hand the JSON documents of control requests and responses to the JSON dissector")

-- ---- value strings (names as in core/wire/messages.cpp) ---------------------------------------

local TYPE_NAMES = {
  [0x01] = "hello", [0x02] = "heartbeat", [0x03] = "gossip", [0x04] = "ack",
  [0x05] = "igym", [0x06] = "igym_reply", [0x07] = "advert", [0x08] = "request",
  [0x09] = "artifact", [0x0a] = "retransmit_request",
  [0x80] = "control_hello", [0x81] = "control_request", [0x82] = "control_response",
  [0x83] = "event_batch",
}
local GOSSIP_KINDS = {
  [0] = "random", [1] = "tree", [2] = "readjust", [3] = "redundancy", [4] = "cleanup",
  [5] = "catchup",
}
local IGYM_DIRECTIONS = {
  [0] = "cleanup towards lower ranks", [1] = "cleanup towards higher ranks",
  [2] = "catch-up offer",
}
local EVENT_KINDS = {
  [0] = "send", [1] = "receive", [2] = "duplicate", [3] = "drop", [4] = "timeout",
  [5] = "deliver", [6] = "originate", [7] = "peer_up", [8] = "peer_down",
}
local YES_NO = { [0] = "no", [1] = "yes" }

-- ---- fields -----------------------------------------------------------------------------------

local fields = {}
local function field(key, f)
  fields[key] = f
  return f
end

-- A length-prefixed string or blob is two fields: "<abbr>.length" and "<abbr>".
local function prefixed(key, abbr, label, width, kind)
  local len = width == 2 and ProtoField.uint16 or ProtoField.uint32
  field(key .. "_len", len(abbr .. ".length", label .. " length", base.DEC))
  field(key, kind(abbr, label))
end

-- header
field("length", ProtoField.uint32("raintree.length", "Body length", base.DEC))
field("version", ProtoField.uint8("raintree.version", "Version", base.DEC))
field("type", ProtoField.uint8("raintree.type", "Type", base.HEX, TYPE_NAMES))
field("type_name", ProtoField.string("raintree.type_name", "Type name"))
field("trailing", ProtoField.bytes("raintree.trailing", "Trailing bytes"))
field("invalid", ProtoField.bytes("raintree.invalid", "Not a frame"))

-- hello
field("hello_protocol_version",
  ProtoField.uint16("raintree.hello.protocol_version", "Protocol version", base.DEC))
field("hello_id", ProtoField.bytes("raintree.hello.id", "Node id"))
prefixed("hello_listen", "raintree.hello.listen", "Listen endpoint", 2, ProtoField.string)
field("hello_role_count", ProtoField.uint16("raintree.hello.role_count", "Roles", base.DEC))
prefixed("hello_role", "raintree.hello.role", "Role", 2, ProtoField.string)

-- heartbeat
field("heartbeat_sent_us", ProtoField.int64("raintree.heartbeat.sent_us", "Sent (µs)", base.DEC))

-- gossip
field("gossip_id", ProtoField.uint64("raintree.gossip.id", "Message id", base.HEX))
field("gossip_origin", ProtoField.bytes("raintree.gossip.origin", "Origin node"))
prefixed("gossip_group", "raintree.gossip.group", "Group", 2, ProtoField.string)
field("gossip_level", ProtoField.uint8("raintree.gossip.level", "Level", base.DEC))
field("gossip_kind", ProtoField.uint8("raintree.gossip.kind", "Kind", base.DEC, GOSSIP_KINDS))
field("gossip_hops", ProtoField.uint8("raintree.gossip.hops", "Hops", base.DEC))
field("gossip_range_start",
  ProtoField.uint32("raintree.gossip.range_start", "Range start", base.DEC))
field("gossip_range_size", ProtoField.uint32("raintree.gossip.range_size", "Range size", base.DEC))
field("gossip_origin_time_us",
  ProtoField.int64("raintree.gossip.origin_time_us", "Origin time (µs)", base.DEC))
prefixed("gossip_payload", "raintree.gossip.payload", "Payload", 4, ProtoField.bytes)

-- ack
field("ack_id", ProtoField.uint64("raintree.ack.id", "Message id", base.HEX))
field("ack_level", ProtoField.uint8("raintree.ack.level", "Level", base.DEC))

-- igym, igym_reply
field("igym_id", ProtoField.uint64("raintree.igym.id", "Message id", base.HEX))
field("igym_direction",
  ProtoField.uint8("raintree.igym.direction", "Direction", base.DEC, IGYM_DIRECTIONS))
field("igym_reply_id", ProtoField.uint64("raintree.igym_reply.id", "Message id", base.HEX))
field("igym_reply_want", ProtoField.uint8("raintree.igym_reply.want", "Want", base.DEC, YES_NO))

-- advert, request, artifact, retransmit_request (artifact ids are message ids: hex)
field("advert_artifact_id",
  ProtoField.uint64("raintree.advert.artifact_id", "Artifact id", base.HEX))
field("advert_size", ProtoField.uint64("raintree.advert.size", "Size", base.DEC))
field("advert_height", ProtoField.uint64("raintree.advert.height", "Height", base.DEC))
field("advert_kind", ProtoField.uint8("raintree.advert.kind", "Artifact kind", base.DEC))
field("advert_hash", ProtoField.bytes("raintree.advert.integrity_hash", "Integrity hash (SHA-256)"))
prefixed("advert_group", "raintree.advert.group", "Group", 2, ProtoField.string)

field("request_artifact_id",
  ProtoField.uint64("raintree.request.artifact_id", "Artifact id", base.HEX))
field("request_offset", ProtoField.uint64("raintree.request.offset", "Offset", base.DEC))
field("request_length", ProtoField.uint32("raintree.request.length", "Length", base.DEC))

field("artifact_artifact_id",
  ProtoField.uint64("raintree.artifact.artifact_id", "Artifact id", base.HEX))
field("artifact_offset", ProtoField.uint64("raintree.artifact.offset", "Offset", base.DEC))
field("artifact_total_size",
  ProtoField.uint64("raintree.artifact.total_size", "Total size", base.DEC))
prefixed("artifact_chunk", "raintree.artifact.chunk", "Chunk", 4, ProtoField.bytes)

field("retransmit_min_height", ProtoField.uint64("raintree.retransmit_request.min_height",
  "Min height (advert) / missed since µs (raintree, random)", base.DEC))

-- control channel
prefixed("control_hello_token", "raintree.control_hello.token", "Token", 2, ProtoField.string)
field("control_request_id",
  ProtoField.uint32("raintree.control_request.request_id", "Request id", base.DEC))
prefixed("control_request_json", "raintree.control_request.json", "JSON", 4, ProtoField.string)
field("control_response_id",
  ProtoField.uint32("raintree.control_response.request_id", "Request id", base.DEC))
prefixed("control_response_json", "raintree.control_response.json", "JSON", 4, ProtoField.string)

-- event_batch and its records
field("batch_dropped", ProtoField.uint64("raintree.event_batch.dropped", "Dropped", base.DEC))
field("batch_count", ProtoField.uint32("raintree.event_batch.count", "Events", base.DEC))
field("event", ProtoField.none("raintree.event", "Event"))
field("event_seq", ProtoField.uint64("raintree.event.seq", "Sequence", base.DEC))
field("event_time_us", ProtoField.int64("raintree.event.time_us", "Time (µs)", base.DEC))
field("event_kind", ProtoField.uint8("raintree.event.kind", "Kind", base.DEC, EVENT_KINDS))
field("event_msg_type",
  ProtoField.uint8("raintree.event.msg_type", "Message type", base.HEX, TYPE_NAMES))
field("event_msg_id", ProtoField.uint64("raintree.event.msg_id", "Message id", base.HEX))
field("event_peer", ProtoField.bytes("raintree.event.peer", "Peer"))
field("event_level", ProtoField.uint8("raintree.event.level", "Level", base.DEC))
field("event_detail", ProtoField.uint8("raintree.event.detail", "Detail", base.DEC))
field("event_bytes", ProtoField.uint32("raintree.event.bytes", "Frame bytes", base.DEC))

local F = fields
local list = {}
for _, f in pairs(fields) do list[#list + 1] = f end
raintree.fields = list

-- Problems worth a filter: what the codec would refuse (decode_frame() errors).
local E = {
  bad_header = ProtoExpert.new("raintree.expert.bad_header", "Not a valid RainTree frame header",
    expert.group.MALFORMED, expert.severity.ERROR),
  truncated = ProtoExpert.new("raintree.expert.truncated", "Body shorter than its fields",
    expert.group.MALFORMED, expert.severity.ERROR),
  trailing = ProtoExpert.new("raintree.expert.trailing", "Bytes left after the last field",
    expert.group.MALFORMED, expert.severity.ERROR),
  bad_value = ProtoExpert.new("raintree.expert.bad_value", "Value the codec refuses",
    expert.group.PROTOCOL, expert.severity.WARN),
}
raintree.experts = { E.bad_header, E.truncated, E.trailing, E.bad_value }

-- ---- body reader ------------------------------------------------------------------------------

-- Reading past the body raises TRUNCATED, caught per frame, so one bad frame is flagged
-- without hiding the frames after it (the codec's ByteReader does the same with a flag).
local TRUNCATED = {}

local Body = {}
Body.__index = Body

local function new_body(tvb, offset, size, tree)
  return setmetatable({ tvb = tvb, pos = offset, stop = offset + size, tree = tree }, Body)
end

function Body:remaining() return self.stop - self.pos end

function Body:take(n)
  if n > self:remaining() then error(TRUNCATED, 0) end
  local r = self.tvb:range(self.pos, n)
  self.pos = self.pos + n
  return r
end

-- Adds a fixed-width field and returns its range.
function Body:add(f, n, tree)
  local r = self:take(n)
  return r, (tree or self.tree):add(f, r)
end

-- A string or blob with a `width`-byte length prefix (short_string, long_string, blob).
function Body:prefixed(key, width, tree)
  local len_r = self:add(F[key .. "_len"], width, tree)
  local r = self:take(len_r:uint())
  return r, (tree or self.tree):add(F[key], r)
end

-- Marks a value the codec's read_body() rejects (it would drop the connection).
local function refuse_if(cond, item, why)
  if cond then item:add_proto_expert_info(E.bad_value, why) end
end

local function id_hex(r) return r:bytes():tohex(true) end
local function short_node(r) return r:bytes():subset(0, 4):tohex(true) end

-- Node timestamps are µs since the Unix epoch; the simulator's are since the run's start.
local function describe_time(item, r)
  local us = r:int64():tonumber()
  if us >= 1e15 then  -- after 2001: a wall-clock time
    local secs = math.floor(us / 1e6)
    item:append_text(string.format(" (%s.%06d UTC)", os.date("!%Y-%m-%d %H:%M:%S", secs),
      us - secs * 1e6))
  else
    item:append_text(string.format(" (%.6f s)", us / 1e6))
  end
end

-- Control documents are JSON: the JSON dissector gives a tree, but it rewrites the columns.
-- Put them back whole; the fence TCP set between frames of one segment has to go for that
-- (set() only writes after a fence), which is fine: later frames append.
local json_dissector = Dissector.get("json")
local function add_json(r, pinfo, tree)
  if not raintree.prefs.decode_json or r:len() == 0 then return end
  local saved = { protocol = tostring(pinfo.cols.protocol), info = tostring(pinfo.cols.info) }
  json_dissector:call(r:tvb(), pinfo, tree)
  for name, text in pairs(saved) do
    pinfo.cols[name]:clear_fence()
    pinfo.cols[name]:set(text)
  end
end

-- ---- one function per message type: read the body, return the Info text -----------------------

local function dissect_hello(b)
  b:add(F.hello_protocol_version, 2)
  local id = b:add(F.hello_id, NODE_ID_SIZE)
  local listen = b:prefixed("hello_listen", 2)
  local count_r, count_item = b:add(F.hello_role_count, 2)
  local count = count_r:uint()
  -- Each role needs its 2-byte length at least (the codec refuses a count the body cannot hold).
  refuse_if(count > b:remaining() / 2, count_item, "more roles than the body can hold")
  local roles = {}
  for i = 1, count do
    roles[i] = b:prefixed("hello_role", 2):string()
  end
  return string.format("id=%s listen=%s roles=%s", short_node(id), listen:string(),
    table.concat(roles, ","))
end

local function dissect_heartbeat(b)
  local r, item = b:add(F.heartbeat_sent_us, 8)
  describe_time(item, r)
  return ""
end

local function dissect_gossip(b)
  local id = b:add(F.gossip_id, 8)
  local origin = b:add(F.gossip_origin, NODE_ID_SIZE)
  local group = b:prefixed("gossip_group", 2)
  local level = b:add(F.gossip_level, 1)
  local kind, kind_item = b:add(F.gossip_kind, 1)
  refuse_if(GOSSIP_KINDS[kind:uint()] == nil, kind_item, "unknown gossip kind")
  local hops = b:add(F.gossip_hops, 1)
  b:add(F.gossip_range_start, 4)
  b:add(F.gossip_range_size, 4)
  local t, t_item = b:add(F.gossip_origin_time_us, 8)
  describe_time(t_item, t)
  local payload = b:prefixed("gossip_payload", 4)
  return string.format("id=%s level=%d kind=%s hops=%d origin=%s group=%s payload=%d",
    id_hex(id), level:uint(), GOSSIP_KINDS[kind:uint()] or kind:uint(), hops:uint(),
    short_node(origin), group:string(), payload:len())
end

local function dissect_ack(b)
  local id = b:add(F.ack_id, 8)
  local level = b:add(F.ack_level, 1)
  return string.format("id=%s level=%d", id_hex(id), level:uint())
end

local function dissect_igym(b)
  local id = b:add(F.igym_id, 8)
  local dir, item = b:add(F.igym_direction, 1)
  refuse_if(IGYM_DIRECTIONS[dir:uint()] == nil, item, "unknown IGYM direction")
  return string.format("id=%s direction=%d", id_hex(id), dir:uint())
end

local function dissect_igym_reply(b)
  local id = b:add(F.igym_reply_id, 8)
  local want, item = b:add(F.igym_reply_want, 1)
  refuse_if(want:uint() > 1, item, "want is neither 0 nor 1")
  return string.format("id=%s want=%s", id_hex(id), YES_NO[want:uint()] or want:uint())
end

local function dissect_advert(b)
  local id = b:add(F.advert_artifact_id, 8)
  local size = b:add(F.advert_size, 8)
  local height = b:add(F.advert_height, 8)
  local kind = b:add(F.advert_kind, 1)
  b:add(F.advert_hash, 32)
  local group = b:prefixed("advert_group", 2)
  return string.format("artifact=%s size=%s height=%s kind=%d group=%s", id_hex(id),
    tostring(size:uint64()), tostring(height:uint64()), kind:uint(), group:string())
end

local function dissect_request(b)
  local id = b:add(F.request_artifact_id, 8)
  local offset = b:add(F.request_offset, 8)
  local length = b:add(F.request_length, 4)
  return string.format("artifact=%s offset=%s length=%d", id_hex(id),
    tostring(offset:uint64()), length:uint())
end

local function dissect_artifact(b)
  local id = b:add(F.artifact_artifact_id, 8)
  local offset = b:add(F.artifact_offset, 8)
  local total, total_item = b:add(F.artifact_total_size, 8)
  local chunk = b:prefixed("artifact_chunk", 4)
  -- The codec refuses a chunk that does not fit inside total_size at its offset.
  refuse_if(offset:uint64() + chunk:len() > total:uint64(), total_item,
    "chunk ends beyond total_size")
  return string.format("artifact=%s offset=%s total=%s chunk=%d", id_hex(id),
    tostring(offset:uint64()), tostring(total:uint64()), chunk:len())
end

local function dissect_retransmit_request(b)
  local r = b:add(F.retransmit_min_height, 8)
  return "min_height=" .. tostring(r:uint64())
end

local function dissect_control_hello(b)
  local token = b:prefixed("control_hello_token", 2)
  return string.format("token=%d bytes", token:len())
end

local function dissect_control_request(b, pinfo)
  local rid = b:add(F.control_request_id, 4)
  local json, item = b:prefixed("control_request_json", 4)
  local doc = json:string()
  add_json(json, pinfo, item)
  return string.format("request_id=%d cmd=%s", rid:uint(), doc:match('"cmd"%s*:%s*"([^"]*)"') or "?")
end

local function dissect_control_response(b, pinfo)
  local rid = b:add(F.control_response_id, 4)
  local json, item = b:prefixed("control_response_json", 4)
  local doc = json:string()
  add_json(json, pinfo, item)
  return string.format("request_id=%d ok=%s", rid:uint(), doc:match('"ok"%s*:%s*(%a+)') or "?")
end

local function dissect_event(b)
  local r = b.tvb:range(b.pos, math.min(EVENT_RECORD_SIZE, b:remaining()))
  local t = b.tree:add(F.event, r)
  local seq = b:add(F.event_seq, 8, t)
  local time, time_item = b:add(F.event_time_us, 8, t)
  describe_time(time_item, time)
  local kind, kind_item = b:add(F.event_kind, 1, t)
  refuse_if(EVENT_KINDS[kind:uint()] == nil, kind_item, "unknown event kind")
  local mtype, mtype_item = b:add(F.event_msg_type, 1, t)
  refuse_if(TYPE_NAMES[mtype:uint()] == nil, mtype_item, "unknown message type")
  local id = b:add(F.event_msg_id, 8, t)
  local peer = b:add(F.event_peer, NODE_ID_SIZE, t)
  local level = b:add(F.event_level, 1, t)
  local detail = b:add(F.event_detail, 1, t)
  local bytes = b:add(F.event_bytes, 4, t)
  t:set_text(string.format("Event seq=%s %s %s id=%s peer=%s level=%d detail=%d bytes=%d",
    tostring(seq:uint64()), EVENT_KINDS[kind:uint()] or kind:uint(),
    TYPE_NAMES[mtype:uint()] or mtype:uint(), id_hex(id), short_node(peer), level:uint(),
    detail:uint(), bytes:uint()))
end

local function dissect_event_batch(b)
  local dropped = b:add(F.batch_dropped, 8)
  local count_r, count_item = b:add(F.batch_count, 4)
  local count = count_r:uint()
  -- Records are fixed-size: a count the body cannot hold is refused before reading any.
  if count > math.floor(b:remaining() / EVENT_RECORD_SIZE) then
    count_item:add_proto_expert_info(E.bad_value, "more events than the body can hold")
    error(TRUNCATED, 0)
  end
  for _ = 1, count do dissect_event(b) end
  return string.format("events=%d dropped=%s", count, tostring(dropped:uint64()))
end

-- Type code -> name, body dissector, body size bounds (min, and exact for fixed-size bodies).
-- The bounds make the heuristic strict: a random TCP payload rarely has a length that fits.
local TYPES = {
  [0x01] = { fn = dissect_hello, min = 2 + NODE_ID_SIZE + 2 + 2 },
  [0x02] = { fn = dissect_heartbeat, min = 8, exact = 8 },
  [0x03] = { fn = dissect_gossip, min = 8 + NODE_ID_SIZE + 2 + 3 + 8 + 8 + 4 },
  [0x04] = { fn = dissect_ack, min = 9, exact = 9 },
  [0x05] = { fn = dissect_igym, min = 9, exact = 9 },
  [0x06] = { fn = dissect_igym_reply, min = 9, exact = 9 },
  [0x07] = { fn = dissect_advert, min = 8 * 3 + 1 + 32 + 2 },
  [0x08] = { fn = dissect_request, min = 20, exact = 20 },
  [0x09] = { fn = dissect_artifact, min = 8 * 3 + 4 },
  [0x0a] = { fn = dissect_retransmit_request, min = 8, exact = 8 },
  [0x80] = { fn = dissect_control_hello, min = 2 },
  [0x81] = { fn = dissect_control_request, min = 8 },
  [0x82] = { fn = dissect_control_response, min = 8 },
  [0x83] = { fn = dissect_event_batch, min = 12, records = EVENT_RECORD_SIZE },
}
for code, spec in pairs(TYPES) do spec.name = TYPE_NAMES[code] end

-- The checks of wire::parse_header(), in its order, plus the body size bounds above.
local function header_ok(tvb, offset, strict)
  local len = tvb:range(offset, 4):uint()
  if len > MAX_BODY or tvb:range(offset + 4, 1):uint() ~= FRAME_VERSION then return false end
  local spec = TYPES[tvb:range(offset + 5, 1):uint()]
  if spec == nil then return false end
  if not strict then return true end
  if len < spec.min or (spec.exact and len ~= spec.exact) then return false end
  if spec.records and (len - spec.min) % spec.records ~= 0 then return false end
  return true
end

-- ---- framing ----------------------------------------------------------------------------------

-- dissect_tcp_pdus() asks for the whole frame's size. A header that is not ours swallows the
-- rest of the segment, so it is shown as one invalid item instead of a bogus frame length.
local function frame_length(tvb, pinfo, offset)
  if not header_ok(tvb, offset, false) then return tvb:len() - offset end
  return HEADER_SIZE + tvb:range(offset, 4):uint()
end

-- Several frames may share a packet: the first sets the Info column, the others append.
-- pinfo.private lives for one dissection of one packet, which is the scope we want.
local function add_info(pinfo, text)
  local n = tonumber(pinfo.private.raintree_frames or "0")
  if n == 0 then
    pinfo.cols.protocol:set("RainTree")
    pinfo.cols.info:set(text)
  else
    pinfo.cols.info:append(" | " .. text)
  end
  pinfo.private.raintree_frames = tostring(n + 1)
end

local function dissect_frame(tvb, pinfo, tree)
  local ft = tree:add(raintree, tvb:range(0, tvb:len()))
  if tvb:len() < HEADER_SIZE or not header_ok(tvb, 0, false) then
    ft:add(F.invalid, tvb:range(0, tvb:len())):add_proto_expert_info(E.bad_header)
    ft:set_text("RainTree: not a frame")
    add_info(pinfo, "INVALID")
    return tvb:len()
  end
  local len = tvb:range(0, 4):uint()
  local code = tvb:range(5, 1):uint()
  local spec = TYPES[code]
  ft:add(F.length, tvb:range(0, 4))
  ft:add(F.version, tvb:range(4, 1))
  ft:add(F.type, tvb:range(5, 1))
  ft:add(F.type_name, tvb:range(5, 1), spec.name):set_generated()

  local body = new_body(tvb, HEADER_SIZE, len, ft)
  local ok, result = pcall(spec.fn, body, pinfo)
  local summary = spec.name:upper()
  if ok then
    if result ~= "" then summary = summary .. " " .. result end
    if body:remaining() > 0 then
      ft:add(F.trailing, body:take(body:remaining())):add_proto_expert_info(E.trailing)
    end
  elseif result == TRUNCATED then
    ft:add_proto_expert_info(E.truncated)
    summary = summary .. " (truncated)"
  else
    error(result, 0)  -- a bug in this script: let Wireshark report the Lua error
  end
  ft:set_text(string.format("RainTree %s, %d bytes", summary, HEADER_SIZE + len))
  add_info(pinfo, summary)
  return HEADER_SIZE + len
end

local function dissect(tvb, pinfo, tree)
  dissect_tcp_pdus(tvb, tree, HEADER_SIZE, frame_length, dissect_frame, true)
  return tvb:len()
end
raintree.dissector = dissect

-- Ports are random: claim a TCP conversation when its first payload starts with a plausible
-- frame header, then stick to it (later segments may start anywhere in a frame).
local function heuristic(tvb, pinfo, tree)
  if tvb:len() < HEADER_SIZE or not header_ok(tvb, 0, true) then return false end
  pinfo.conversation = raintree
  -- Call the Lua function, not raintree.dissector: that goes through a dissector handle,
  -- which uses up TCP's offer to reassemble (pinfo.can_desegment) before dissect_tcp_pdus.
  dissect(tvb, pinfo, tree)
  return true
end

raintree:register_heuristic("tcp", heuristic)
DissectorTable.get("tcp.port"):add_for_decode_as(raintree)
