/* The presets' own tables: Azure's ports per VM and each cloud NAT's address limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "portsim/profile.h"

static void test_azure_ports_per_vm_follow_the_pool_size_tiers(void **state)
{
	(void)state;
	static const struct {
		uint32_t pool, ports;
	} cases[] = {
		{ 0, 1024 },  { 1, 1024 },  { 50, 1024 }, { 51, 512 },   { 100, 512 },
		{ 101, 256 }, { 200, 256 }, { 201, 128 }, { 400, 128 },  { 401, 64 },
		{ 800, 64 },  { 801, 32 },  { 1000, 32 }, { 100000, 32 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ps_preset_azure_ports_per_vm(cases[i].pool) != cases[i].ports)
			fail_msg("pool %u: %u ports, want %u", cases[i].pool,
				 ps_preset_azure_ports_per_vm(cases[i].pool), cases[i].ports);
}

/* Microsoft's rule of thumb: MIN(table share x frontend IPs, 1024). */
static void test_azure_default_share_multiplies_with_frontend_ips_up_to_1024(void **state)
{
	(void)state;
	static const struct {
		uint32_t pool, frontends, ports;
	} cases[] = {
		{ 100, 1, 512 },  { 100, 2, 1024 }, { 100, 3, 1024 }, /* the page's own example */
		{ 50, 1, 1024 },  { 50, 4, 1024 },  { 200, 3, 768 },  { 200, 4, 1024 }, { 200, 5, 1024 },
		{ 1000, 1, 32 },  { 1000, 16, 512 }, { 1000, 32, 1024 }, { 1000, 256, 1024 }, { 400, 0, 128 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t got = ps_preset_azure_default_ports(cases[i].pool, cases[i].frontends);
		if (got != cases[i].ports)
			fail_msg("pool %u, %u frontend IPs: %u ports, want %u", cases[i].pool, cases[i].frontends, got,
				 cases[i].ports);
		assert_int_equal(ps_preset_azure_snat_ports(cases[i].pool, cases[i].frontends, 0), cases[i].ports);
	}
	/* A manual allocation replaces the table whatever the pool and frontends. */
	assert_int_equal(ps_preset_azure_snat_ports(100, 1, 640), 640);
	assert_int_equal(ps_preset_azure_snat_ports(2, 1, 32000), 32000);
}

static void expect_rejected(uint32_t manual, uint32_t pool, uint32_t frontends, const char *want)
{
	char why[512];
	assert_int_equal(ps_preset_azure_check(manual, pool, frontends, PS_AZURE_PORTS_PER_FRONTEND_IP, why,
					       sizeof(why)),
			 -1);
	if (!strstr(why, want))
		fail_msg("manual %u, %u VMs, %u IPs: \"%s\" lacks \"%s\"", manual, pool, frontends, why, want);
}

/* outbound-rules: multiples of 8; ports x VMs above 64,000 x frontend IPs rejected (7 x 10,000 on one IP). */
static void test_azure_manual_allocation_is_refused_as_azure_refuses_it(void **state)
{
	(void)state;
	char why[512];
	/* Accepted: 0 (the default), exactly full, two VMs at 32,000 each (the page's example). */
	assert_int_equal(ps_preset_azure_check(0, 1000, 1, 64000, why, sizeof(why)), 0);
	assert_int_equal(ps_preset_azure_check(640, 100, 1, 64000, why, sizeof(why)), 0);
	assert_int_equal(ps_preset_azure_check(32000, 2, 1, 64000, why, sizeof(why)), 0);
	assert_int_equal(ps_preset_azure_check(10000, 7, 2, 64000, why, sizeof(why)), 0);
	assert_int_equal(ps_preset_azure_check(64000, 1, 1, 64000, why, sizeof(why)), 0);
	expect_rejected(10000, 7, 1,
			"Azure rejects the outbound rule: 10000 ports x 7 VMs = 70000 exceed 64000 ports x 1 "
			"frontend IP = 64000; allowed: at most 9136 ports per VM (a multiple of 8), or 2 frontend "
			"IPs (nat.addresses) for 10000");
	expect_rejected(648, 100, 1, "allowed: at most 640 ports per VM");
	expect_rejected(1001, 10, 1, "multiples of 8 and rejects any other number; allowed: 0 (the default "
				     "allocation) or a multiple of 8, e.g. 1000 or 1008");
	/* Accepted by Azure, but a VM's share would straddle two frontend IPs in the model. */
	expect_rejected(40000, 3, 2, "portsim keeps each VM's ports on one frontend IP");
	expect_rejected(40000, 3, 2, "allowed: at most 32000 ports per VM, or 3 frontend IPs");
}

static void test_nat_presets_carry_their_address_limits(void **state)
{
	(void)state;
	assert_int_equal(ps_nat_preset_max_addresses("aws-nat-gateway"), 8);
	assert_int_equal(ps_nat_preset_max_addresses("azure-nat-gateway"), 16);
	assert_int_equal(ps_nat_preset_max_addresses("gcp-cloud-nat"), PS_NAT_ADDRESSES_MAX);
	assert_int_equal(ps_nat_preset_max_addresses("azure-lb-outbound"), PS_NAT_ADDRESSES_MAX);
	assert_int_equal(ps_nat_preset_max_addresses("none"), PS_NAT_ADDRESSES_MAX);
	assert_int_equal(ps_nat_preset_max_addresses("no-such-preset"), PS_NAT_ADDRESSES_MAX);
}

static void test_every_preset_is_found_by_its_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < ps_profiles_len; i++)
		assert_ptr_equal(ps_profile_find(ps_profiles[i].name), &ps_profiles[i]);
	for (size_t i = 0; i < ps_nat_presets_len; i++)
		assert_ptr_equal(ps_nat_preset_find(ps_nat_presets[i].name), &ps_nat_presets[i]);
	assert_null(ps_profile_find("aws-nat-gateway"));
	assert_null(ps_nat_preset_find("linux"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_azure_ports_per_vm_follow_the_pool_size_tiers),
		cmocka_unit_test(test_azure_default_share_multiplies_with_frontend_ips_up_to_1024),
		cmocka_unit_test(test_azure_manual_allocation_is_refused_as_azure_refuses_it),
		cmocka_unit_test(test_nat_presets_carry_their_address_limits),
		cmocka_unit_test(test_every_preset_is_found_by_its_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
