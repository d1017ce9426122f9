/*
 * The report in a real browser: headless Chromium opens report.html of a curated scenario
 * from a file, with name resolution switched off, and the test checks that the page loads
 * without a console message, fetches nothing, renders every figure at a non-zero size, and
 * shows the numbers of summary.csv; then it saves a screenshot into the build directory.
 *
 * The page has no script of its own. The test reads it through a copy with one probe
 * script appended, which writes what it measured into the page for --dump-dom to print.
 * The test starts Chromium in a process group of its own and ends the whole group, so no
 * helper process outlives it. Skipped, with the reason, without chromium or gnuplot
 * (scripts/setup --tests installs both).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define SCENARIO "time-wait-storm"
#define TIMEOUT_S 120

/* The probe: what the test cannot see in the HTML text, measured by the browser. */
static const char PROBE[] =
	"<script>\n(function () {\n"
	"  var out = [];\n"
	"  var svgs = document.querySelectorAll('figure svg');\n"
	"  out.push('figures ' + svgs.length);\n"
	"  for (var i = 0; i < svgs.length; i++) {\n"
	"    var r = svgs[i].getBoundingClientRect(), b = svgs[i].getBBox();\n"
	"    out.push('figure ' + svgs[i].getAttribute('aria-label') + ' ' + Math.round(r.width) + ' ' +\n"
	"             Math.round(r.height) + ' ' + Math.round(b.width) + ' ' + Math.round(b.height) + ' ' +\n"
	"             svgs[i].querySelectorAll('path').length);\n"
	"  }\n"
	"  var nums = document.querySelectorAll('data.num');\n"
	"  for (var j = 0; j < nums.length; j++)\n"
	"    out.push('num ' + nums[j].getAttribute('data-col') + ' ' + (nums[j].value || '-') + ' ' +\n"
	"             nums[j].textContent);\n"
	"  out.push('resources ' + performance.getEntriesByType('resource').length);\n"
	"  out.push('height ' + document.documentElement.scrollHeight);\n"
	"  var p = document.createElement('pre');\n"
	"  p.id = 'probe';\n"
	"  p.textContent = '\\n' + out.join('\\n') + '\\n';\n"
	"  document.body.appendChild(p);\n"
	"})();\n</script>\n";

static char *find_chromium(void)
{
	static const char *const names[] = { "chromium", "chromium-browser" };
	const char *path = getenv("PATH");
	for (size_t i = 0; path && i < sizeof(names) / sizeof(names[0]); i++) {
		char *copy = strdup(path);
		for (char *dir = strtok(copy, ":"); dir; dir = strtok(NULL, ":")) {
			char *p = pst_path(dir, names[i]);
			if (access(p, X_OK) == 0) {
				free(copy);
				return p;
			}
			free(p);
		}
		free(copy);
	}
	return NULL;
}

static bool have_gnuplot(void)
{
	int rc = system("command -v gnuplot >/dev/null 2>&1");
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

/*
 * Runs Chromium headless on url with the extra flags, stdout into out and stderr into err
 * (files), in a fresh profile; kills its whole process group when done or after TIMEOUT_S.
 * Returns its exit status.
 */
static int chromium(const char *bin, const char *const *extra, const char *url, const char *out, const char *err)
{
	char *profile = pst_tmpdir();
	assert_non_null(profile);
	char profile_flag[512];
	snprintf(profile_flag, sizeof(profile_flag), "--user-data-dir=%s", profile);
	const char *args[32] = { bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
				 "--no-first-run", "--disable-background-networking", "--disable-component-update",
				 "--disable-sync", "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND",
				 "--enable-logging=stderr", "--v=0", profile_flag };
	size_t n = 14;
	for (size_t i = 0; extra[i] && n < 30; i++)
		args[n++] = extra[i];
	args[n++] = url;
	args[n] = NULL;

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	setpgid(pid, pid);
	int status = -1;
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	pid_t done = 0;
	for (int waited = 0; waited < TIMEOUT_S * 10 && (done = waitpid(pid, &status, WNOHANG)) == 0; waited++)
		nanosleep(&tick, NULL);
	/* Its renderer and GPU helpers share the group: none may outlive the test. */
	kill(-pid, SIGKILL);
	if (done == 0) {
		waitpid(pid, &status, 0);
		pst_rmtree(profile);
		free(profile);
		fail_msg("chromium did not finish within %d s on %s", TIMEOUT_S, url);
	}
	pst_rmtree(profile);
	free(profile);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_in(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	char *text = pst_read_file(p, NULL);
	free(p);
	return text;
}

/* The data row of summary.csv as parallel arrays of header and cells (both point into *buf). */
struct summary {
	char *buf;
	char *col[64], *cell[64];
	size_t n;
};

static void read_summary(struct summary *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->buf = read_in(dir, "summary.csv");
	assert_non_null(s->buf);
	char *row = strchr(s->buf, '\n');
	assert_non_null(row);
	*row++ = '\0';
	row[strcspn(row, "\n")] = '\0';
	char *h = s->buf, *c = row;
	while (h && s->n < 64) {
		s->col[s->n] = h;
		s->cell[s->n++] = c ? c : "";
		h = strchr(h, ',');
		c = c ? strchr(c, ',') : NULL;
		if (h)
			*h++ = '\0';
		if (c)
			*c++ = '\0';
	}
}

static const char *summary_value(const struct summary *s, const char *col)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->col[i], col))
			return s->cell[i];
	return NULL;
}

/* The number a reader sees: "16,385th" 16385, "41.3 s" 41.3, "21.6 %" 0.216. */
static double shown_number(const char *text)
{
	char digits[64];
	size_t n = 0;
	for (const char *p = text; *p && n + 1 < sizeof(digits); p++)
		if ((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == 'e')
			digits[n++] = *p;
		else if (*p != ',')
			break;
	digits[n] = '\0';
	double v = strtod(digits, NULL);
	return strchr(text, '%') ? v / 100 : v;
}

/* The conn_id of the first "fail" row of events.csv: the attempt the report calls the first to fail. */
static long first_failed_attempt(const char *dir)
{
	char *text = read_in(dir, "events.csv");
	assert_non_null(text);
	const char *p = strstr(text, ",fail,");
	assert_non_null(p);
	while (p > text && p[-1] != '\n')
		p--;
	const char *comma = strchr(p, ',');
	long id = strtol(comma + 1, NULL, 10);
	free(text);
	return id;
}

static size_t count_svg(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".svg");
	closedir(d);
	return n;
}

static void test_report_opens_in_a_browser_with_every_figure_and_number(void **state)
{
	(void)state;
	char *bin = find_chromium();
	if (!bin || !have_gnuplot()) {
		printf("%s is not installed (scripts/setup --tests installs chromium and gnuplot-nox); skipping\n",
		       bin ? "gnuplot" : "chromium");
		free(bin);
		skip();
	}
	char *dir = pst_tmpdir();
	char *out = NULL;
	int rc = pst_run_cli(&out, (const char *[]){ "run", PORTSIM_SOURCE_DIR "/scenarios/" SCENARIO ".ini", "--events",
						     "--report", "--out", dir, "--quiet", NULL });
	if (rc != 0)
		fail_msg("portsim run --report: exit %d:\n%s", rc, out);
	free(out);

	/* The probe copy, beside the page so that it sees the same folder. */
	char *html = read_in(dir, "report.html");
	assert_non_null(html);
	char *end = strstr(html, "</body>");
	assert_non_null(end);
	size_t len = strlen(html) + sizeof(PROBE) + 1;
	char *probe = malloc(len);
	snprintf(probe, len, "%.*s%s%s", (int)(end - html), html, PROBE, end);
	char *probe_path = pst_path(dir, "probe.html");
	assert_int_equal(pst_write_file(probe_path, probe), 0);
	free(probe);
	free(html);

	char url[1024], *dom_path = pst_path(dir, "dom.txt"), *log_path = pst_path(dir, "chromium.log");
	snprintf(url, sizeof(url), "file://%s", probe_path);
	rc = chromium(bin, (const char *[]){ "--dump-dom", "--window-size=1200,900", NULL }, url, dom_path, log_path);
	char *dom = pst_read_file(dom_path, NULL), *log = pst_read_file(log_path, NULL);
	if (rc != 0 || !dom)
		fail_msg("chromium --dump-dom: exit %d; its log:\n%s", rc, log ? log : "");
	/* No console message at all: the page has no script, the probe logs nothing. */
	if (strstr(log, ":CONSOLE") || strstr(log, "Uncaught"))
		fail_msg("the page logged to the console:\n%s", log);

	const char *p = strstr(dom, "<pre id=\"probe\">");
	if (!p)
		fail_msg("the probe did not run; the DOM:\n%.2000s", dom);
	struct summary s;
	read_summary(&s, dir);
	size_t figures = 0, figure_rows = 0, numbers = 0;
	long height = 0, resources = -1;
	for (const char *line = strchr(p, '\n') + 1; *line && strncmp(line, "</pre>", 6);) {
		const char *nl = strchr(line, '\n');
		char *l = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
		char name[128], col[64], value[128];
		long w, h, bw, bh, paths;
		int at = 0;
		if (sscanf(l, "figures %zu", &figures) == 1) {
		} else if (sscanf(l, "figure %127s %ld %ld %ld %ld %ld", name, &w, &h, &bw, &bh, &paths) == 6) {
			if (w <= 0 || h <= 0 || bw <= 0 || bh <= 0 || paths <= 0)
				fail_msg("figure %s did not render: %ld x %ld, content %ld x %ld, %ld paths", name, w, h,
					 bw, bh, paths);
			figure_rows++;
		} else if (sscanf(l, "num %63s %127s %n", col, value, &at) == 2 && at > 0) {
			const char *shown = l + at, *want = summary_value(&s, col);
			if (!strcmp(col, "first_failure_attempt")) {
				assert_int_equal(strtol(value, NULL, 10), first_failed_attempt(dir));
				want = value;
			}
			if (want) {
				/* The value is summary.csv's, and what the reader sees says the same. */
				if (strcmp(want, *value == '-' && !value[1] ? "" : value))
					fail_msg("%s: the page has %s, summary.csv %s", col, value, want);
				/* Rounded to three significant digits at worst. */
				double v = strtod(want, NULL), d = shown_number(shown);
				bool numeric = *want && isfinite(v) && ((*shown >= '0' && *shown <= '9') || *shown == '-');
				if (numeric && fabs(d - v) > 0.006 * fabs(v) + 1e-9)
					fail_msg("%s: the page shows \"%s\" for %s", col, shown, want);
				numbers++;
			}
		} else {
			sscanf(l, "resources %ld", &resources);
			sscanf(l, "height %ld", &height);
		}
		free(l);
		line = nl ? nl + 1 : line + strlen(line);
	}
	size_t svgs = count_svg(dir);
	assert_true(svgs >= 3);
	assert_int_equal(figures, svgs);
	assert_int_equal(figure_rows, svgs);
	assert_int_equal(resources, 0);
	/* The headline and the table: every column of summary.csv but wall_s, and more. */
	assert_true(numbers >= s.n - 1);
	assert_true(height > 1000);

	/* The screenshot, of the page itself, kept in the build directory to look at. */
	char *bin_copy = strdup(PORTSIM_BIN), shot[1024], size[64], shot_flag[1100];
	snprintf(shot, sizeof(shot), "%s/report-" SCENARIO ".png", dirname(bin_copy));
	free(bin_copy);
	snprintf(size, sizeof(size), "--window-size=1200,%ld", height < 16000 ? height : 16000);
	snprintf(shot_flag, sizeof(shot_flag), "--screenshot=%s", shot);
	unlink(shot);
	char *page = pst_path(dir, "report.html");
	snprintf(url, sizeof(url), "file://%s", page);
	rc = chromium(bin, (const char *[]){ shot_flag, size, NULL }, url, dom_path, log_path);
	free(log);
	log = pst_read_file(log_path, NULL);
	if (rc != 0)
		fail_msg("chromium --screenshot: exit %d; its log:\n%s", rc, log ? log : "");
	if (strstr(log, ":CONSOLE"))
		fail_msg("the page logged to the console:\n%s", log);
	size_t png_len = 0;
	char *png = pst_read_file(shot, &png_len);
	assert_non_null(png);
	assert_true(png_len > 20000);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	printf("screenshot: %s\n", shot);

	free(png);
	free(page);
	free(s.buf);
	free(dom);
	free(log);
	free(dom_path);
	free(log_path);
	free(probe_path);
	free(bin);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_opens_in_a_browser_with_every_figure_and_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
