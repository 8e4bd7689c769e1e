-- dmip6.lua: Wireshark/tshark dissector for the DMIPv6 messages of
-- dmip6 (Mobility Header types 200-205) and its mobility options
-- 200-203. Byte layouts: PROTOCOL.md B.11 (and B.2 for the option
-- format); numbers: common/dmip_proto.h.
--
-- Use:  tshark -X lua_script:dmip6.lua -r capture.pcap -V
--       or copy/link it into ~/.local/lib/wireshark/plugins/
--
-- How it hooks in (Wireshark 4.0): the Mobile IPv6 dissector
-- (packet-mip6.c) has no table for MH types; a type it does not know
-- (our 200-205) is shown as "Message Data" (mip6.unknown_type_data)
-- and its options are not walked. So:
--   * a post-dissector ("dmip6") finds every mip6.mhtype 200-205 in the
--     frame, and adds a "DMIPv6" tree with the message fields and all
--     its options. Standard options (PadN, BRA, MN-ID, MESG-ID, AUTH,
--     ...) are handed to Wireshark's own option dissectors through the
--     "mip6.option" table, so their mip6.* fields are the usual ones;
--     ours (200-203) are decoded here;
--   * options 200-203 are also registered in the "mip6.option" table
--     ("dmip6opt"), so Wireshark decodes them inside the standard
--     messages too (BU, BA, ...);
--   * the UDP transport (B.11.1, port 5135 by default, a preference)
--     hands the MH to the Mobile IPv6 dissector, and the rest follows.
-- Malformed input is flagged with expert info, never trusted: every
-- read is bounds-checked against the captured bytes.

local DMIP_MH_TYPES = {
	[200] = "DHP Query",
	[201] = "DHP Query Reply",
	[202] = "DHoA Request",
	[203] = "DHoA Response",
	[204] = "DHP Binding Update",
	[205] = "DHP Binding Confirmation",
}

-- Fixed part of each message, from the start of the MH (MH_LEN_*).
local FIXED_LEN = { [200] = 32, [201] = 32, [202] = 64, [203] = 48,
	[204] = 48, [205] = 32 }

local OPT_NAMES = {
	[200] = "Home Address",
	[201] = "DHP Candidate",
	[202] = "Flow Descriptor",
	[203] = "Anchor Hint",
}
-- Exact data length and alignment (x, y: type octet at x*n + y).
local OPT_RULES = {
	[200] = { len = 16, x = 8, y = 6 },
	[201] = { len = 20, x = 8, y = 2 },
	[202] = { len = 22, x = 8, y = 0 },
	[203] = { len = 18, x = 8, y = 4 },
}
local OPT_AUTH = 9

-- C.4, with the generic BA codes it reuses (C.3).
local STATUS = {
	[0] = "OK",
	[1] = "Use the HA (no DHP is better)",
	[128] = "Reason unspecified",
	[129] = "Administratively prohibited",
	[130] = "Insufficient resources",
	[135] = "Sequence number out of window",
	[144] = "Identification mismatch (MESG-ID)",
	[145] = "MESG-ID required",
	[146] = "Authentication failed",
	[200] = "Unknown DHoA",
	[201] = "DHoA owned by another MN",
	[202] = "No DHP for this correspondent",
	[203] = "Requested DHoA unavailable",
	[204] = "Continuity type not supported",
}

-- setsc() / Flow Descriptor / DHCPv6 continuity types (E.0, B.11.1).
local CONT_TYPES = {
	[0] = "any",
	[1] = "fixed",
	[2] = "session-lasting",
	[3] = "non-persistent",
	[4] = "graceful-replacement",
}

local IP_PROTOS = { [1] = "ICMP", [6] = "TCP", [17] = "UDP", [58] = "ICMPv6",
	[132] = "SCTP" }

local dmip6 = Proto("dmip6", "DMIPv6 (dmip6 Mobility Header extensions)")
local dmip6opt = Proto("dmip6opt", "DMIPv6 mobility option")
local dmip6udp = Proto("dmip6udp", "DMIPv6 Mobility Header over UDP")

local F = {}
local function add_field(key, f)
	F[key] = f
end

add_field("type", ProtoField.uint8("dmip6.type", "Message type", base.DEC,
	DMIP_MH_TYPES))

-- 200 DHP Query (B.11.2)
add_field("q_seq", ProtoField.uint16("dmip6.query.seq", "Sequence number"))
add_field("q_flags", ProtoField.uint8("dmip6.query.flags", "Flags", base.HEX))
add_field("q_i", ProtoField.bool("dmip6.query.i_flag",
	"CN-initiated flow (I)", 8, nil, 0x80))
add_field("q_max", ProtoField.uint8("dmip6.query.max_cand",
	"Max candidates"))
add_field("q_rsv", ProtoField.uint16("dmip6.query.reserved", "Reserved",
	base.HEX))
add_field("q_rsv2", ProtoField.uint32("dmip6.query.reserved2", "Reserved",
	base.HEX))
add_field("q_cn", ProtoField.ipv6("dmip6.query.cn", "Correspondent address"))

-- 201 DHP Query Reply (B.11.3)
add_field("r_seq", ProtoField.uint16("dmip6.reply.seq", "Sequence number"))
add_field("r_status", ProtoField.uint8("dmip6.reply.status", "Status",
	base.DEC, STATUS))
add_field("r_count", ProtoField.uint8("dmip6.reply.count", "Count"))
add_field("r_validity", ProtoField.uint16("dmip6.reply.validity",
	"Validity (4 s units)"))
add_field("r_rsv", ProtoField.uint32("dmip6.reply.reserved", "Reserved",
	base.HEX))
add_field("r_cn", ProtoField.ipv6("dmip6.reply.cn", "Correspondent address"))

-- 202 DHoA Request (B.11.4)
add_field("rq_seq", ProtoField.uint16("dmip6.dhoa_req.seq", "Sequence number"))
add_field("rq_flags", ProtoField.uint8("dmip6.dhoa_req.flags", "Flags",
	base.HEX))
add_field("rq_b", ProtoField.bool("dmip6.dhoa_req.b_flag", "Bind now (B)",
	8, nil, 0x80))
add_field("rq_cont", ProtoField.uint8("dmip6.dhoa_req.cont_type",
	"Continuity type", base.DEC, CONT_TYPES))
add_field("rq_life", ProtoField.uint16("dmip6.dhoa_req.lifetime",
	"Requested lifetime (4 s units)"))
add_field("rq_rsv", ProtoField.uint32("dmip6.dhoa_req.reserved", "Reserved",
	base.HEX))
add_field("rq_dhoa", ProtoField.ipv6("dmip6.dhoa_req.req_dhoa",
	"Requested DHoA"))
add_field("rq_hoa", ProtoField.ipv6("dmip6.dhoa_req.hoa", "MN home address"))
add_field("rq_coa", ProtoField.ipv6("dmip6.dhoa_req.coa",
	"MN care-of address"))

-- 203 DHoA Response (B.11.5)
add_field("rs_seq", ProtoField.uint16("dmip6.dhoa_resp.seq",
	"Sequence number"))
add_field("rs_status", ProtoField.uint8("dmip6.dhoa_resp.status", "Status",
	base.DEC, STATUS))
add_field("rs_flags", ProtoField.uint8("dmip6.dhoa_resp.flags", "Flags",
	base.HEX))
add_field("rs_b", ProtoField.bool("dmip6.dhoa_resp.b_flag",
	"Binding installed (B)", 8, nil, 0x80))
add_field("rs_life", ProtoField.uint16("dmip6.dhoa_resp.lifetime",
	"Granted lifetime (4 s units)"))
add_field("rs_plen", ProtoField.uint8("dmip6.dhoa_resp.plen",
	"DHoA prefix length"))
add_field("rs_rsv", ProtoField.uint24("dmip6.dhoa_resp.reserved", "Reserved",
	base.HEX))
add_field("rs_dhoa", ProtoField.ipv6("dmip6.dhoa_resp.dhoa", "DHoA"))
add_field("rs_tep", ProtoField.ipv6("dmip6.dhoa_resp.tep",
	"DHP tunnel endpoint"))

-- 204 DHP Binding Update (B.11.6)
add_field("bu_seq", ProtoField.uint16("dmip6.bu.seq", "Sequence number"))
add_field("bu_flags", ProtoField.uint8("dmip6.bu.flags", "Flags", base.HEX))
add_field("bu_a", ProtoField.bool("dmip6.bu.a_flag",
	"Confirmation requested (A)", 8, nil, 0x80))
add_field("bu_r", ProtoField.bool("dmip6.bu.r_flag", "Release the lease (R)",
	8, nil, 0x40))
add_field("bu_rsv", ProtoField.uint8("dmip6.bu.reserved", "Reserved",
	base.HEX))
add_field("bu_life", ProtoField.uint16("dmip6.bu.lifetime",
	"Lifetime (4 s units)"))
add_field("bu_rsv2", ProtoField.uint32("dmip6.bu.reserved2", "Reserved",
	base.HEX))
add_field("bu_dhoa", ProtoField.ipv6("dmip6.bu.dhoa", "DHoA"))
add_field("bu_coa", ProtoField.ipv6("dmip6.bu.coa", "MN care-of address"))

-- 205 DHP Binding Confirmation (B.11.7)
add_field("bc_seq", ProtoField.uint16("dmip6.bc.seq", "Sequence number"))
add_field("bc_status", ProtoField.uint8("dmip6.bc.status", "Status",
	base.DEC, STATUS))
add_field("bc_rsv", ProtoField.uint8("dmip6.bc.reserved", "Reserved",
	base.HEX))
add_field("bc_life", ProtoField.uint16("dmip6.bc.lifetime",
	"Granted lifetime (4 s units)"))
add_field("bc_rsv2", ProtoField.uint32("dmip6.bc.reserved2", "Reserved",
	base.HEX))
add_field("bc_dhoa", ProtoField.ipv6("dmip6.bc.dhoa", "DHoA"))

-- Options (B.11.1)
add_field("opt_type", ProtoField.uint8("dmip6.opt.type", "Option type",
	base.DEC, OPT_NAMES))
add_field("opt_len", ProtoField.uint8("dmip6.opt.len", "Option length"))
add_field("hoa", ProtoField.ipv6("dmip6.opt.hoa", "Home address"))
add_field("cand_pref", ProtoField.uint8("dmip6.opt.cand.pref", "Preference"))
add_field("cand_flags", ProtoField.uint8("dmip6.opt.cand.flags", "Flags",
	base.HEX))
add_field("cand_colo", ProtoField.bool("dmip6.opt.cand.colocated",
	"Co-located with the current AR", 8, nil, 0x80))
add_field("cand_metric", ProtoField.uint16("dmip6.opt.cand.metric",
	"Metric"))
add_field("cand_addr", ProtoField.ipv6("dmip6.opt.cand.addr", "DHP address"))
add_field("flow_proto", ProtoField.uint8("dmip6.opt.flow.proto", "Protocol",
	base.DEC, IP_PROTOS))
add_field("flow_cont", ProtoField.uint8("dmip6.opt.flow.cont_type",
	"Continuity type", base.DEC, CONT_TYPES))
add_field("flow_mnport", ProtoField.uint16("dmip6.opt.flow.mn_port",
	"MN port"))
add_field("flow_cnport", ProtoField.uint16("dmip6.opt.flow.cn_port",
	"CN port"))
add_field("flow_cn", ProtoField.ipv6("dmip6.opt.flow.cn",
	"Correspondent address"))
add_field("hint_rsv", ProtoField.uint8("dmip6.opt.hint.reserved", "Reserved",
	base.HEX))
add_field("hint_plen", ProtoField.uint8("dmip6.opt.hint.plen",
	"Prefix length"))
add_field("hint_prefix", ProtoField.ipv6("dmip6.opt.hint.prefix", "Prefix"))
add_field("opt_data", ProtoField.bytes("dmip6.opt.data", "Option data"))
add_field("pad1", ProtoField.none("dmip6.opt.pad1", "Pad1"))
-- Wireshark 4.0's AUTH dissector shows the MAC 2 octets short (it
-- takes option length - 7 octets): the whole MAC, option length - 5.
add_field("auth_mac", ProtoField.bytes("dmip6.auth.mac",
	"Authentication data (whole MAC)"))

local fields = {}
for _, f in pairs(F) do
	fields[#fields + 1] = f
end
dmip6.fields = fields

local E = {
	short = ProtoExpert.new("dmip6.short", "Message shorter than its fixed part",
		expert.group.MALFORMED, expert.severity.ERROR),
	hlen = ProtoExpert.new("dmip6.hlen_bad",
		"Header Len disagrees with the captured length",
		expert.group.MALFORMED, expert.severity.ERROR),
	opt_trunc = ProtoExpert.new("dmip6.opt.truncated",
		"Option runs past the end of the Mobility Header",
		expert.group.MALFORMED, expert.severity.ERROR),
	opt_len = ProtoExpert.new("dmip6.opt.len_bad",
		"Option length wrong for its type",
		expert.group.MALFORMED, expert.severity.ERROR),
	opt_align = ProtoExpert.new("dmip6.opt.misaligned",
		"Option not at its alignment (B.11.1)",
		expert.group.PROTOCOL, expert.severity.WARN),
	opt_after_auth = ProtoExpert.new("dmip6.opt.after_auth",
		"Option after AUTH (AUTH must be last)",
		expert.group.PROTOCOL, expert.severity.ERROR),
	opt_unknown = ProtoExpert.new("dmip6.opt.unknown",
		"Unknown mobility option (skipped)",
		expert.group.UNDECODED, expert.severity.NOTE),
	no_auth = ProtoExpert.new("dmip6.no_auth",
		"No AUTH option: the receiver drops this message",
		expert.group.SECURITY, expert.severity.WARN),
	count = ProtoExpert.new("dmip6.reply.count_bad",
		"Count differs from the number of DHP Candidate options",
		expert.group.MALFORMED, expert.severity.ERROR),
	field = ProtoExpert.new("dmip6.field_bad", "Field value out of range",
		expert.group.MALFORMED, expert.severity.ERROR),
	status = ProtoExpert.new("dmip6.status_fail", "Request refused",
		expert.group.RESPONSE_CODE, expert.severity.NOTE),
}
dmip6.experts = { E.short, E.hlen, E.opt_trunc, E.opt_len, E.opt_align,
	E.opt_after_auth, E.opt_unknown, E.no_auth, E.count, E.field, E.status }

dmip6.prefs.udp_port = Pref.uint("UDP port", 5135,
	"UDP port of the DMIPv6 UDP transport (B.11.1; 0: none)")

local f_mhtype = Field.new("mip6.mhtype")
local mip6_option_table = DissectorTable.get("mip6.option")

-- "150 (600 s)" for a value in 4-second units.
local function secs4(item, v)
	item:append_text(string.format(" (%d s)", v * 4))
end

-- Returns a lookup string "name (n)" for a table.
local function vname(tbl, v)
	local n = tbl[v]
	if n == nil then
		return tostring(v)
	end
	return string.format("%s (%d)", n, v)
end

-- ---- options 200-203 ---------------------------------------------

-- Dissect one of our options; r covers type, length and data; mh_off
-- is where the type octet sits from the MH start (nil: unknown).
-- Returns a short text for the Info column, or nil.
local function dissect_dmip_opt(r, pinfo, tree, mh_off)
	local otype = r(0, 1):uint()
	local olen = r(1, 1):uint()
	local rule = OPT_RULES[otype]
	local st = tree:add(dmip6opt, r, OPT_NAMES[otype] or "DMIPv6 option")
	st:set_text(string.format("%s (%d)", OPT_NAMES[otype], otype))
	st:add(F.opt_type, r(0, 1))
	local li = st:add(F.opt_len, r(1, 1))
	if mh_off ~= nil and mh_off % rule.x ~= rule.y then
		st:add_proto_expert_info(E.opt_align, string.format(
			"%s at MH offset %d, must be %dn+%d", OPT_NAMES[otype],
			mh_off, rule.x, rule.y))
	end
	if olen ~= rule.len or r:len() ~= olen + 2 then
		li:add_proto_expert_info(E.opt_len, string.format(
			"%s length %d, must be %d", OPT_NAMES[otype], olen, rule.len))
		if r:len() > 2 then
			st:add(F.opt_data, r(2))
		end
		return nil
	end
	local d = r(2)
	if otype == 200 then
		st:add(F.hoa, d(0, 16))
		st:append_text(": " .. tostring(d(0, 16):ipv6()))
		return "HoA=" .. tostring(d(0, 16):ipv6())
	elseif otype == 201 then
		st:add(F.cand_pref, d(0, 1))
		local fl = st:add(F.cand_flags, d(1, 1))
		fl:add(F.cand_colo, d(1, 1))
		local m = st:add(F.cand_metric, d(2, 2))
		if d(2, 2):uint() == 0xFFFF then
			m:append_text(" (unknown)")
		end
		st:add(F.cand_addr, d(4, 16))
		st:append_text(string.format(": %s pref %d metric %d%s",
			tostring(d(4, 16):ipv6()), d(0, 1):uint(), d(2, 2):uint(),
			bit32.band(d(1, 1):uint(), 0x80) ~= 0 and " co-located" or ""))
		return "DHP=" .. tostring(d(4, 16):ipv6())
	elseif otype == 202 then
		st:add(F.flow_proto, d(0, 1))
		local ct = st:add(F.flow_cont, d(1, 1))
		if d(1, 1):uint() > 4 then
			ct:add_proto_expert_info(E.field, "Continuity type > 4")
		end
		st:add(F.flow_mnport, d(2, 2))
		st:add(F.flow_cnport, d(4, 2))
		st:add(F.flow_cn, d(6, 16))
		st:append_text(string.format(": %s %d -> [%s]:%d, %s",
			IP_PROTOS[d(0, 1):uint()] or tostring(d(0, 1):uint()),
			d(2, 2):uint(), tostring(d(6, 16):ipv6()), d(4, 2):uint(),
			CONT_TYPES[d(1, 1):uint()] or tostring(d(1, 1):uint())))
		return nil
	else -- 203
		st:add(F.hint_rsv, d(0, 1))
		local pl = st:add(F.hint_plen, d(1, 1))
		if d(1, 1):uint() > 128 then
			pl:add_proto_expert_info(E.field, "Prefix length > 128")
		end
		st:add(F.hint_prefix, d(2, 16))
		st:append_text(string.format(": %s/%d", tostring(d(2, 16):ipv6()),
			d(1, 1):uint()))
		return nil
	end
end

-- Through the mip6.option table (inside standard messages): tvb holds
-- the whole option; its alignment is unknown here.
function dmip6opt.dissector(tvb, pinfo, tree)
	if tvb:len() < 2 then
		return 0
	end
	dissect_dmip_opt(tvb:range(0), pinfo, tree, nil)
	return tvb:len()
end

for t, _ in pairs(OPT_RULES) do
	mip6_option_table:add(t, dmip6opt)
end

-- Walk the options of a DMIPv6 message: mh is the whole MH, from is
-- where the options start. Returns counts and Info notes.
local function dissect_options(mh, from, pinfo, tree)
	local mhlen = mh:len()
	local otree = tree:add(mh(from, mhlen - from), "Mobility Options")
	local off = from
	local seen = { cand = 0, auth = false }
	local notes = {}
	while off < mhlen do
		local otype = mh(off, 1):uint()
		if seen.auth then
			-- Padding after AUTH is not allowed either (B.2).
			otree:add_proto_expert_info(E.opt_after_auth, string.format(
				"option %d at MH offset %d follows AUTH", otype, off))
			seen.auth = false	-- report once
		end
		if otype == 0 then
			otree:add(F.pad1, mh(off, 1))
			off = off + 1
		else
			if off + 2 > mhlen then
				otree:add_proto_expert_info(E.opt_trunc, string.format(
					"option %d at MH offset %d: no length octet", otype, off))
				break
			end
			local olen = mh(off + 1, 1):uint()
			if off + 2 + olen > mhlen then
				local ti = otree:add(F.opt_data, mh(off))
				ti:add_proto_expert_info(E.opt_trunc, string.format(
					"option %d at MH offset %d: length %d, only %d left",
					otype, off, olen, mhlen - off - 2))
				break
			end
			local r = mh(off, olen + 2)
			if OPT_RULES[otype] ~= nil then
				local note = dissect_dmip_opt(r, pinfo, otree, off)
				if note ~= nil then
					notes[#notes + 1] = note
				end
				if otype == 201 then
					seen.cand = seen.cand + 1
				end
			else
				local d = mip6_option_table:get_dissector(otype)
				if d ~= nil then
					d:call(r:tvb(), pinfo, otree)
				else
					local ut = otree:add(F.opt_data, r)
					ut:set_text(string.format("Unknown option %d, length %d",
						otype, olen))
					ut:add_proto_expert_info(E.opt_unknown)
				end
				if otype == OPT_AUTH then
					if olen >= 5 then
						otree:add(F.auth_mac, mh(off + 7, olen - 5))
					end
					seen.auth = true
					seen.has_auth = true
				end
			end
			off = off + 2 + olen
		end
	end
	return seen, notes
end

-- ---- messages ------------------------------------------------------

local function add_status(st, field, r)
	local it = st:add(field, r)
	if r:uint() >= 128 then
		it:add_proto_expert_info(E.status, "Status " ..
			vname(STATUS, r:uint()))
	end
	return it
end

-- Fixed part of each type: adds the fields, returns Info text.
local body = {}

body[200] = function(m, st)
	st:add(F.q_seq, m(6, 2))
	local fl = st:add(F.q_flags, m(8, 1))
	fl:add(F.q_i, m(8, 1))
	local mc = st:add(F.q_max, m(9, 1))
	if m(9, 1):uint() == 0 then
		mc:append_text(" (the directory chooses)")
	end
	st:add(F.q_rsv, m(10, 2))
	st:add(F.q_rsv2, m(12, 4))
	st:add(F.q_cn, m(16, 16))
	return string.format("seq=%d CN=%s%s", m(6, 2):uint(),
		tostring(m(16, 16):ipv6()),
		bit32.band(m(8, 1):uint(), 0x80) ~= 0 and " I" or "")
end

body[201] = function(m, st)
	st:add(F.r_seq, m(6, 2))
	add_status(st, F.r_status, m(8, 1))
	st:add(F.r_count, m(9, 1))
	secs4(st:add(F.r_validity, m(10, 2)), m(10, 2):uint())
	st:add(F.r_rsv, m(12, 4))
	st:add(F.r_cn, m(16, 16))
	return string.format("seq=%d status=%s CN=%s count=%d", m(6, 2):uint(),
		vname(STATUS, m(8, 1):uint()), tostring(m(16, 16):ipv6()),
		m(9, 1):uint())
end

body[202] = function(m, st)
	st:add(F.rq_seq, m(6, 2))
	local fl = st:add(F.rq_flags, m(8, 1))
	fl:add(F.rq_b, m(8, 1))
	local ct = st:add(F.rq_cont, m(9, 1))
	if m(9, 1):uint() > 4 then
		ct:add_proto_expert_info(E.field, "Continuity type > 4")
	end
	secs4(st:add(F.rq_life, m(10, 2)), m(10, 2):uint())
	st:add(F.rq_rsv, m(12, 4))
	st:add(F.rq_dhoa, m(16, 16))
	st:add(F.rq_hoa, m(32, 16))
	st:add(F.rq_coa, m(48, 16))
	return string.format("seq=%d %s HoA=%s", m(6, 2):uint(),
		CONT_TYPES[m(9, 1):uint()] or tostring(m(9, 1):uint()),
		tostring(m(32, 16):ipv6()))
end

body[203] = function(m, st)
	st:add(F.rs_seq, m(6, 2))
	add_status(st, F.rs_status, m(8, 1))
	local fl = st:add(F.rs_flags, m(9, 1))
	fl:add(F.rs_b, m(9, 1))
	secs4(st:add(F.rs_life, m(10, 2)), m(10, 2):uint())
	local pl = st:add(F.rs_plen, m(12, 1))
	if m(12, 1):uint() > 128 then
		pl:add_proto_expert_info(E.field, "Prefix length > 128")
	end
	st:add(F.rs_rsv, m(13, 3))
	st:add(F.rs_dhoa, m(16, 16))
	st:add(F.rs_tep, m(32, 16))
	return string.format("seq=%d status=%s DHoA=%s", m(6, 2):uint(),
		vname(STATUS, m(8, 1):uint()), tostring(m(16, 16):ipv6()))
end

body[204] = function(m, st)
	st:add(F.bu_seq, m(6, 2))
	local fl = st:add(F.bu_flags, m(8, 1))
	fl:add(F.bu_a, m(8, 1))
	fl:add(F.bu_r, m(8, 1))
	st:add(F.bu_rsv, m(9, 1))
	local lt = st:add(F.bu_life, m(10, 2))
	secs4(lt, m(10, 2):uint())
	if m(10, 2):uint() == 0 then
		lt:append_text(", delete")
	end
	st:add(F.bu_rsv2, m(12, 4))
	st:add(F.bu_dhoa, m(16, 16))
	st:add(F.bu_coa, m(32, 16))
	return string.format("seq=%d DHoA=%s CoA=%s lifetime=%d", m(6, 2):uint(),
		tostring(m(16, 16):ipv6()), tostring(m(32, 16):ipv6()),
		m(10, 2):uint() * 4)
end

body[205] = function(m, st)
	st:add(F.bc_seq, m(6, 2))
	add_status(st, F.bc_status, m(8, 1))
	st:add(F.bc_rsv, m(9, 1))
	secs4(st:add(F.bc_life, m(10, 2)), m(10, 2):uint())
	st:add(F.bc_rsv2, m(12, 4))
	st:add(F.bc_dhoa, m(16, 16))
	return string.format("seq=%d status=%s DHoA=%s", m(6, 2):uint(),
		vname(STATUS, m(8, 1):uint()), tostring(m(16, 16):ipv6()))
end

-- One DMIPv6 MH at src[off ..]; returns the Info text.
local function dissect_message(src, off, pinfo, tree)
	local avail = src:len() - off
	local mtype = src(off + 2, 1):uint()
	local hlen = (src(off + 1, 1):uint() + 1) * 8
	local len = math.min(hlen, avail)
	local m = src(off, len)
	local st = tree:add(dmip6, m)
	st:append_text(": " .. DMIP_MH_TYPES[mtype])
	st:add(F.type, m(2, 1))
	if hlen > avail then
		st:add_proto_expert_info(E.hlen, string.format(
			"Header Len says %d octets, %d captured", hlen, avail))
	end
	local fixed = FIXED_LEN[mtype]
	if len < fixed then
		st:add_proto_expert_info(E.short, string.format(
			"%s needs %d octets, has %d", DMIP_MH_TYPES[mtype], fixed, len))
		return DMIP_MH_TYPES[mtype] .. " [malformed]"
	end
	local info = DMIP_MH_TYPES[mtype] .. " " .. body[mtype](m, st)
	local seen, notes = { cand = 0 }, {}
	if len > fixed then
		seen, notes = dissect_options(m:tvb():range(0), fixed, pinfo, st)
	end
	if mtype == 201 and seen.cand ~= m(9, 1):uint() then
		st:add_proto_expert_info(E.count, string.format(
			"Count %d, %d DHP Candidate options", m(9, 1):uint(), seen.cand))
	end
	if not seen.has_auth then
		st:add_proto_expert_info(E.no_auth)
	end
	if #notes > 0 then
		info = info .. " " .. table.concat(notes, " ")
	end
	return info
end

-- The post-dissector: every Mobility Header of type 200-205 in the
-- frame (mip6.mhtype sits 2 octets into the MH).
function dmip6.dissector(tvb, pinfo, tree)
	local infos = {}
	for _, fi in ipairs({ f_mhtype() }) do
		local t = fi.value
		if DMIP_MH_TYPES[t] ~= nil then
			local src = fi.source
			local off = fi.offset - 2
			if src ~= nil and off >= 0 and off + 8 <= src:len() and
			    src(off + 2, 1):uint() == t then
				infos[#infos + 1] = dissect_message(src, off, pinfo, tree)
			end
		end
	end
	if #infos > 0 then
		pinfo.cols.protocol = "DMIPv6"
		pinfo.cols.info = table.concat(infos, "; ")
	end
end

register_postdissector(dmip6)

-- ---- UDP transport (B.11.1): the same MH bytes in a UDP datagram.
local mip6_handle = Dissector.get("mip6")

function dmip6udp.dissector(tvb, pinfo, tree)
	if tvb:len() < 8 then
		return 0
	end
	return mip6_handle:call(tvb, pinfo, tree)
end

local udp_table = DissectorTable.get("udp.port")
local udp_port_now = 0

local function set_udp_port(port)
	if udp_port_now ~= 0 then
		udp_table:remove(udp_port_now, dmip6udp)
	end
	udp_port_now = port
	if port ~= 0 then
		udp_table:add(port, dmip6udp)
	end
end

function dmip6.prefs_changed()
	if dmip6.prefs.udp_port ~= udp_port_now then
		set_udp_port(dmip6.prefs.udp_port)
	end
end

set_udp_port(dmip6.prefs.udp_port)
