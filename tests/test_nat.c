/*
 * The NAT: its allocators and the limits the cloud vendors document, which
 * must come out of the simulation exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/nat.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

/* `attempts` connections held open, one every millisecond, from `hosts` VMs in turn. */
static void held(char *buf, size_t size, const char *nat, unsigned hosts, unsigned attempts,
		 const char *dsts)
{
	snprintf(buf, size,
		 "[run]\nduration_s = %.4f\nsample_interval_s = 0.001\n[host]\nprofile = linux\n[nat]\n%s\n"
		 "[workload.vms]\nhosts = %u\narrival = constant\nrate_per_s = 1000\nduration = fixed\n"
		 "duration_s = 100000\n%s\n",
		 attempts / 1000.0 - 0.0005, nat, hosts, dsts);
}

static void test_gcp_vm_with_64_ports_refuses_its_65th_connection_to_one_destination(void **state)
{
	(void)state;
	char text[1024];
	struct ps_run_result res;
	held(text, sizeof(text), "preset = gcp-cloud-nat", 1, 70, "destinations = 1");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 64);
	assert_true(res.m.failed);
	assert_int_equal(res.m.first_failure_attempt, 65);
	assert_int_equal(res.m.nat_failures, 6);
	assert_int_equal(res.m.fail_by_err[PS_NAT_OUT_OF_RESOURCES], 6);
	ps_run_result_fini(&res);
	/* Its 64 ports serve another destination too (endpoint-dependent). */
	held(text, sizeof(text), "preset = gcp-cloud-nat", 1, 140,
	     "destination_list = 10.0.0.1:443, 10.0.0.2:443\nchoice = uniform");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 128);
	ps_run_result_fini(&res);
}

static void test_gcp_fits_1008_vms_on_one_address(void **state)
{
	(void)state;
	char text[1024];
	struct ps_run_result res;
	/* 64,512 ports / 64 per VM: one connection each from 1,009 VMs. */
	held(text, sizeof(text), "preset = gcp-cloud-nat", 1009, 1009, "destinations = 1");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 1008);
	assert_int_equal(res.m.first_failure_attempt, 1009);
	ps_run_result_fini(&res);
	held(text, sizeof(text), "preset = gcp-cloud-nat\naddresses = 2", 1009, 1009, "destinations = 1");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 1009);
	ps_run_result_fini(&res);
}

static void test_gcp_dynamic_allocation_grows_a_busy_vm(void **state)
{
	(void)state;
	char text[1024];
	struct ps_run_result res;
	/* min 64, max 1024: a hot VM reaches 1,024 connections to one destination. */
	held(text, sizeof(text), "preset = gcp-cloud-nat\ndynamic = true\nmax_blocks = 16", 1, 1100,
	     "destinations = 1");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 1024);
	ps_run_result_fini(&res);
}

static void test_aws_address_refuses_the_55001st_connection_to_one_destination(void **state)
{
	(void)state;
	char text[2048];
	struct ps_run_result res;
	/* Three VMs so that no inside host runs out first; then one more destination at the end. */
	snprintf(text, sizeof(text),
		 "[run]\nduration_s = 55.2\nsample_interval_s = 1\n[host]\nprofile = linux\n[nat]\n"
		 "preset = aws-nat-gateway\n"
		 "[workload.vms]\nhosts = 3\narrival = constant\nrate_per_s = 1000\nduration = fixed\n"
		 "duration_s = 100000\ndestinations = 1\n"
		 "[workload.late]\narrival = constant\nrate_per_s = 1\nstart_s = 55.1\nduration = fixed\n"
		 "duration_s = 100000\ndestination_list = 10.0.0.2:80\n");
	pst_run_ini(text, &res);
	/* 55,200 attempts to the first destination, one to the second. */
	assert_int_equal(res.m.attempts, 55201);
	assert_int_equal(res.m.successes, 55001);
	assert_int_equal(res.m.first_failure_attempt, 55001);
	assert_int_equal(res.m.fail_by_err[PS_NAT_PORT_ALLOCATION], 200);
	ps_run_result_fini(&res);
}

static void test_aws_second_address_doubles_the_limit(void **state)
{
	(void)state;
	char text[1024];
	struct ps_run_result res;
	held(text, sizeof(text), "preset = aws-nat-gateway\naddresses = 2", 5, 110100, "destinations = 1");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 110000);
	ps_run_result_fini(&res);
}

static void test_azure_nat_gateway_caps_one_destination_at_50000_per_address(void **state)
{
	(void)state;
	char text[1024];
	struct ps_run_result res;
	held(text, sizeof(text), "preset = azure-nat-gateway", 3, 50100, "destinations = 1");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.successes, 50000);
	assert_int_equal(res.m.first_failure_attempt, 50001);
	ps_run_result_fini(&res);
}

static void test_a_flow_reopened_while_its_mapping_lingers_keeps_its_external_port(void **state)
{
	(void)state;
	struct ps_endpoint dst = { .ip = 0x0A000001, .port = 443 };
	struct ps_nat_config cfg = { .lo = 1024, .hi = 65535, .naddrs = 1, .first_ip = 0xCB007101,
				     .ninside = 1, .dsts = &dst, .ndsts = 1, .tcp_linger = 120 * PS_NS_PER_S,
				     .drop_err = PS_NAT_DROP };
	struct ps_nat nat;
	char err[256];
	assert_int_equal(ps_nat_init(&nat, &cfg, ps_nat_find("random"), err, sizeof(err)), 0);
	struct ps_nat_request r = { .host = 0, .inside_ip = 0x0A800001, .inside_port = 40000, .dst = 0 };
	uint32_t m1, m2;
	assert_int_equal(ps_nat_open(&nat, &r, &m1), PS_OK);
	uint16_t port = ps_nat_ext_port(&nat, m1);
	assert_int_not_equal(ps_nat_close(&nat, m1, false, 0), PS_TIME_MAX);
	/* conntrack re-opens a TIME_WAIT entry on a new SYN of the same flow. */
	r.now = 66 * PS_NS_PER_S;
	assert_int_equal(ps_nat_open(&nat, &r, &m2), PS_OK);
	assert_int_equal(ps_nat_ext_port(&nat, m2), port);
	assert_int_equal(nat.live_maps, 1);
	ps_nat_fini(&nat);
}

static void test_azure_preallocation_follows_the_pool_size_table(void **state)
{
	(void)state;
	const struct { unsigned pool, ports; } tiers[] = {
		{ 1, 1024 }, { 50, 1024 }, { 51, 512 }, { 100, 512 }, { 101, 256 }, { 200, 256 },
		{ 201, 128 }, { 400, 128 }, { 401, 64 }, { 800, 64 }, { 801, 32 }, { 1000, 32 },
	};
	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		char nat[128], text[1024];
		struct ps_run_result res;
		snprintf(nat, sizeof(nat), "preset = azure-lb-outbound\npool_size = %u", tiers[i].pool);
		held(text, sizeof(text), nat, 1, tiers[i].ports + 10, "destinations = 1");
		pst_run_ini(text, &res);
		if (res.m.successes != tiers[i].ports)
			fail_msg("pool of %u VMs: %llu ports per VM, expected %u", tiers[i].pool,
				 (unsigned long long)res.m.successes, tiers[i].ports);
		ps_run_result_fini(&res);
	}
}

/* Each frontend IP adds the table's share, up to 1,024 per VM; a manual share replaces it. */
static void test_azure_frontend_ips_multiply_the_default_share(void **state)
{
	(void)state;
	const struct { const char *nat; unsigned ports; } cases[] = {
		{ "preset = azure-lb-outbound\npool_size = 100", 512 },
		{ "preset = azure-lb-outbound\npool_size = 100\naddresses = 2", 1024 },
		{ "preset = azure-lb-outbound\npool_size = 100\naddresses = 3", 1024 },
		{ "preset = azure-lb-outbound\npool_size = 300\naddresses = 3", 384 },
		{ "preset = azure-lb-outbound\npool_size = 100\nports_per_instance = 640", 640 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		struct ps_run_result res;
		held(text, sizeof(text), cases[i].nat, 1, cases[i].ports + 10, "destinations = 1");
		pst_run_ini(text, &res);
		if (res.m.successes != cases[i].ports)
			fail_msg("%s: %llu ports per VM, expected %u", cases[i].nat, (unsigned long long)res.m.successes,
				 cases[i].ports);
		ps_run_result_fini(&res);
	}
}

static void test_nf_nat_gives_up_after_248_probes_with_ports_left(void **state)
{
	(void)state;
	char text[1024];
	struct ps_run_result res;
	/* 1,024 external ports, randomized: the bounded search fails before the range is full. */
	held(text, sizeof(text), "allocator = nf-nat\nrandom = random-fully\nport_range = 10000-11023\nhold_s = 0", 4,
	     1100, "destinations = 1");
	pst_run_ini(text, &res);
	assert_true(res.m.nat_failures > 0);
	assert_true(res.m.nat_probes_max <= 248);
	assert_int_equal(res.m.fail_by_err[PS_NAT_DROP], res.m.nat_failures);
	/* The first drop came while free ports remained. */
	assert_true(res.m.first_failure_attempt <= 1024);
	ps_run_result_fini(&res);
}

static void test_nf_nat_keeps_the_inside_port_when_it_can(void **state)
{
	(void)state;
	struct ps_endpoint dst = { .ip = 0x0A000001, .port = 443 };
	struct ps_nat_config cfg = { .lo = 1024, .hi = 65535, .naddrs = 1, .first_ip = 0xCB007101,
				     .ninside = 2, .dsts = &dst, .ndsts = 1, .drop_err = PS_NAT_DROP };
	struct ps_nat nat;
	char err[256];
	assert_int_equal(ps_nat_init(&nat, &cfg, ps_nat_find("nf-nat"), err, sizeof(err)), 0);
	struct ps_nat_request a = { .host = 0, .inside_ip = 0x0A800001, .inside_port = 40000, .dst = 0 };
	struct ps_nat_request b = { .host = 1, .inside_ip = 0x0A800002, .inside_port = 40000, .dst = 0 };
	uint32_t ma, mb;
	assert_int_equal(ps_nat_open(&nat, &a, &ma), PS_OK);
	assert_int_equal(ps_nat_ext_port(&nat, ma), 40000);
	/* Same inside port from another host to the same destination: the reply tuple clashes. */
	assert_int_equal(ps_nat_open(&nat, &b, &mb), PS_OK);
	assert_int_not_equal(ps_nat_ext_port(&nat, mb), 40000);
	ps_nat_fini(&nat);
}

static void test_deterministic_slices_never_overlap(void **state)
{
	(void)state;
	struct ps_endpoint dst = { .ip = 0x0A000001, .port = 443 };
	/* 64,512 ports / ratio 64 = 1,008 per host; 128 hosts on 2 addresses. */
	struct ps_nat_config cfg = { .lo = 1024, .hi = 65535, .naddrs = 2, .first_ip = 0xCB007101,
				     .ninside = 128, .dsts = &dst, .ndsts = 1, .sharing_ratio = 64,
				     .drop_err = PS_NAT_DROP };
	struct ps_nat nat;
	char err[256];
	assert_int_equal(ps_nat_init(&nat, &cfg, ps_nat_find("deterministic"), err, sizeof(err)), 0);
	uint8_t *owner = calloc(2 * 64512, 1);
	assert_non_null(owner);
	for (uint32_t h = 0; h < 128; h++) {
		for (uint32_t k = 0; k < 1008; k++) {
			struct ps_nat_request r = { .host = h, .inside_ip = 0x0A800001 + h,
						    .inside_port = (uint16_t)(20000 + k), .dst = 0 };
			uint32_t m;
			assert_int_equal(ps_nat_open(&nat, &r, &m), PS_OK);
			uint32_t slot = nat.maps[m].addr * 64512 + nat.maps[m].idx;
			assert_int_equal(owner[slot], 0);
			owner[slot] = 1;
			assert_int_equal(nat.maps[m].addr, h / 64);
			assert_int_equal(nat.maps[m].idx / 1008, h % 64);
		}
		struct ps_nat_request r = { .host = h, .inside_ip = 0x0A800001 + h, .inside_port = 30000, .dst = 0 };
		uint32_t m;
		assert_int_equal(ps_nat_open(&nat, &r, &m), PS_NAT_DROP);
	}
	free(owner);
	ps_nat_fini(&nat);
}

static void test_pba_never_gives_a_host_more_than_its_blocks(void **state)
{
	(void)state;
	struct ps_endpoint dst = { .ip = 0x0A000001, .port = 443 };
	struct ps_nat_config cfg = { .lo = 1024, .hi = 65535, .naddrs = 1, .first_ip = 0xCB007101,
				     .ninside = 3, .dsts = &dst, .ndsts = 1, .block_size = 512,
				     .max_blocks = 2, .mapping = PS_NAT_ENDPOINT_INDEPENDENT,
				     .drop_err = PS_NAT_DROP };
	struct ps_nat nat;
	char err[256];
	assert_int_equal(ps_nat_init(&nat, &cfg, ps_nat_find("pba"), err, sizeof(err)), 0);
	uint32_t used = 0;
	for (uint32_t k = 0; k < 1100; k++) {
		struct ps_nat_request r = { .host = 0, .inside_ip = 0x0A800001, .inside_port = (uint16_t)(2000 + k),
					    .dst = 0 };
		uint32_t m;
		enum ps_err e = ps_nat_open(&nat, &r, &m);
		if (e == PS_OK) {
			used++;
			/* Sequential inside a block: every port lies in one of the host's two blocks. */
			assert_true(nat.maps[m].idx / 512 < 128);
		}
	}
	assert_int_equal(used, 1024);
	/* Another host still gets its own block. */
	struct ps_nat_request r = { .host = 1, .inside_ip = 0x0A800002, .inside_port = 2000, .dst = 0 };
	uint32_t m;
	assert_int_equal(ps_nat_open(&nat, &r, &m), PS_OK);
	ps_nat_fini(&nat);
}

static void test_endpoint_independent_mapping_keeps_one_port_for_every_destination(void **state)
{
	(void)state;
	struct ps_endpoint dsts[2] = { { .ip = 0x0A000001, .port = 443 }, { .ip = 0x0A000002, .port = 443 } };
	struct ps_nat_config cfg = { .lo = 1024, .hi = 65535, .naddrs = 1, .first_ip = 0xCB007101,
				     .ninside = 1, .dsts = dsts, .ndsts = 2, .block_size = 64, .max_blocks = 1,
				     .mapping = PS_NAT_ENDPOINT_INDEPENDENT, .tcp_linger = 120 * PS_NS_PER_S,
				     .drop_err = PS_NAT_DROP };
	struct ps_nat nat;
	char err[256];
	assert_int_equal(ps_nat_init(&nat, &cfg, ps_nat_find("pba"), err, sizeof(err)), 0);
	struct ps_nat_request a = { .host = 0, .inside_ip = 0x0A800001, .inside_port = 40000, .dst = 0 };
	struct ps_nat_request b = a;
	b.dst = 1;
	uint32_t ma, mb;
	assert_int_equal(ps_nat_open(&nat, &a, &ma), PS_OK);
	assert_int_equal(ps_nat_open(&nat, &b, &mb), PS_OK);
	assert_int_equal(ma, mb);
	/* The mapping lingers after both close, for conntrack's TIME_WAIT. */
	assert_int_equal(ps_nat_close(&nat, ma, false, 0), PS_TIME_MAX);
	assert_int_equal(ps_nat_close(&nat, ma, false, 0), 120 * PS_NS_PER_S);
	ps_nat_fini(&nat);
}

/* nf-nat's search as the kernel writes it, one candidate at a time: the reference for the bitmap runs. */
static bool nfnat_one_by_one(struct ps_nat *nat, const struct ps_nat_request *req, uint32_t *addr,
			     uint32_t *idx, uint32_t *probes)
{
	const struct ps_nat_config *c = &nat->cfg;
	*probes = 0;
	if (ps_nat_endpoint_map(nat, req->inside_ip, req->inside_port, addr, idx)) {
		(*probes)++;
		if (ps_nat_usable(nat, req, *addr, *idx))
			return true;
	}
	*addr = ps_nat_hash_addr(nat, req, c->persistent);
	uint32_t n = nat->n;
	if (req->inside_port >= c->lo && req->inside_port <= c->hi) {
		(*probes)++;
		if (ps_nat_usable(nat, req, *addr, req->inside_port - c->lo)) {
			*idx = req->inside_port - c->lo;
			return true;
		}
	}
	uint32_t attempts = n < 128 ? n : 128;
	uint16_t off = (uint16_t)ps_rng_below(&nat->rng, 65536);
	for (;;) {
		for (uint32_t i = 0; i < attempts; i++, off++) {
			(*probes)++;
			if (ps_nat_usable(nat, req, *addr, off % n)) {
				*idx = off % n;
				return true;
			}
		}
		if (attempts >= n || attempts < 16)
			return false;
		attempts /= 2;
		off = (uint16_t)ps_rng_below(&nat->rng, 65536);
	}
}

static void test_nf_nat_runs_match_a_port_by_port_walk(void **state)
{
	(void)state;
	struct ps_endpoint dsts[2] = { { .ip = 0x0A000001, .port = 443 }, { .ip = 0x0A000002, .port = 80 } };
	const uint16_t his[] = { 1100, 1300, 1024 + 4000 };
	for (unsigned r = 0; r < 3; r++) {
		struct ps_nat_config cfg = { .lo = 1024, .hi = his[r], .naddrs = 2, .first_ip = 0xCB007101,
					     .ninside = 4, .dsts = dsts, .ndsts = 2, .drop_err = PS_NAT_DROP };
		struct ps_nat nat;
		char err[256];
		assert_int_equal(ps_nat_init(&nat, &cfg, ps_nat_find("nf-nat"), err, sizeof(err)), 0);
		struct ps_rng draw;
		ps_rng_init(&draw, r, PS_STREAM_ARRIVALS, 0);
		uint32_t *open = calloc(20000, sizeof(*open)), nopen = 0;
		assert_non_null(open);
		for (int k = 0; k < 6000; k++) {
			uint32_t host = (uint32_t)ps_rng_below(&draw, 4);
			struct ps_nat_request req = { .host = host, .inside_ip = 0x0A800001 + host,
						      .inside_port = (uint16_t)(1000 + ps_rng_below(&draw, 600)),
						      .dst = (uint32_t)ps_rng_below(&draw, 2) };
			struct ps_rng saved = nat.rng;
			uint32_t a1 = 0, i1 = 0, p1 = 0, a2 = 0, i2 = 0, p2 = 0;
			bool ok1 = nat.ops->pick(nat.state, &nat, &req, &a1, &i1, &p1);
			struct ps_rng after = nat.rng;
			nat.rng = saved;
			bool ok2 = nfnat_one_by_one(&nat, &req, &a2, &i2, &p2);
			assert_int_equal(ok1, ok2);
			assert_int_equal(p1, p2);
			if (ok1) {
				assert_int_equal(a1, a2);
				assert_int_equal(i1, i2);
			}
			assert_memory_equal(&after, &nat.rng, sizeof(after));
			/* Now open it for real, and sometimes let an old mapping go. */
			nat.rng = saved;
			uint32_t m;
			if (ps_nat_open(&nat, &req, &m) == PS_OK && nopen < 20000)
				open[nopen++] = m;
			if (nopen && ps_rng_below(&draw, 3) == 0) {
				uint32_t j = (uint32_t)ps_rng_below(&draw, nopen);
				ps_nat_close(&nat, open[j], false, 0);
				open[j] = open[--nopen];
			}
		}
		free(open);
		ps_nat_fini(&nat);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcp_vm_with_64_ports_refuses_its_65th_connection_to_one_destination),
		cmocka_unit_test(test_gcp_fits_1008_vms_on_one_address),
		cmocka_unit_test(test_gcp_dynamic_allocation_grows_a_busy_vm),
		cmocka_unit_test(test_aws_address_refuses_the_55001st_connection_to_one_destination),
		cmocka_unit_test(test_aws_second_address_doubles_the_limit),
		cmocka_unit_test(test_azure_nat_gateway_caps_one_destination_at_50000_per_address),
		cmocka_unit_test(test_a_flow_reopened_while_its_mapping_lingers_keeps_its_external_port),
		cmocka_unit_test(test_azure_preallocation_follows_the_pool_size_table),
		cmocka_unit_test(test_azure_frontend_ips_multiply_the_default_share),
		cmocka_unit_test(test_nf_nat_gives_up_after_248_probes_with_ports_left),
		cmocka_unit_test(test_nf_nat_keeps_the_inside_port_when_it_can),
		cmocka_unit_test(test_nf_nat_runs_match_a_port_by_port_walk),
		cmocka_unit_test(test_deterministic_slices_never_overlap),
		cmocka_unit_test(test_pba_never_gives_a_host_more_than_its_blocks),
		cmocka_unit_test(test_endpoint_independent_mapping_keeps_one_port_for_every_destination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
