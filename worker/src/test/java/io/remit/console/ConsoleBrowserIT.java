package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import io.remit.testing.Commands;
import io.remit.testing.KafkaProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The triage page as a person uses it, in headless Chromium driven by Selenium: sign in, filter by
 * code, open a dead letter, select it, dry run, redrive with a reason, watch it finish, see the
 * command succeed; and a viewer, who sees no redrive control. Checked behind the page on the real
 * commands topic and in PostgreSQL. Screenshots go to target/screenshots/.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}: without them the test is skipped,
 * or fails when {@code REMIT_REQUIRE_BROWSER=1} (as in CI).
 */
class ConsoleBrowserIT extends ConsoleTestSupport {
    static final Path SCREENSHOTS = Path.of("target/screenshots");
    static final String EXHAUSTED = "RETRIES_EXHAUSTED";

    private static final AtomicInteger shots = new AtomicInteger();

    private WebDriver browser;
    private WebDriverWait wait;
    private Path profile;

    @BeforeEach
    void startChromium() throws IOException {
        Path chromium = Path.of(System.getProperty("remit.chromium", "/usr/bin/chromium"));
        Path driver = Path.of(System.getProperty("remit.chromedriver", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            String missing = "the browser test needs Chromium at " + chromium + " and chromedriver at " + driver
                    + " (apt-get install chromium chromium-driver)";
            if ("1".equals(System.getenv("REMIT_REQUIRE_BROWSER"))) fail("REMIT_REQUIRE_BROWSER=1 and " + missing);
            Assumptions.abort(missing + "; skipped");
        }
        profile = Files.createTempDirectory("remit-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--window-size=1440,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stopChromium() throws IOException {
        if (browser != null) browser.quit();
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anOperatorFindsADeadLetterDryRunsAndRedrivesItAndSeesItSucceed() throws Exception {
        String chosen = id("browser"), other = id("browser-other"), refused = id("browser-refused");
        String value = Commands.createInvoice(chosen);
        stored().row(chosen, value)
                .code(EXHAUSTED, 503, "retries exhausted: SERVICE_UNAVAILABLE")
                .attempts(3)
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .header("remit.attempt", "3")
                .header("remit.original.topic", COMMANDS)
                .decided("SERVICE_UNAVAILABLE", 503, 503, 503)
                .store();
        stored().row(other, Commands.createInvoice(other))
                .code(EXHAUSTED, 503, "retries exhausted: SERVICE_UNAVAILABLE")
                .attempts(3)
                .store();
        stored().row(refused, Commands.createInvoice("conn_nowhere", refused, "1.00", "USD"))
                .code("CONNECTION_NOT_FOUND", 404, "no such connection")
                .store();

        browser.get(url("/ops/"));
        assertThat(browser.getCurrentUrl()).endsWith("/ops/login");
        signIn(OPERATOR, "not-the-password");
        assertThat(shown(By.id("login-error")).getText()).contains("Wrong name or password");
        signIn(OPERATOR, OPERATOR_PASSWORD);
        assertThat(shown(By.cssSelector("#by-code tr[data-code='" + EXHAUSTED + "']"))
                        .getText())
                .contains(EXHAUSTED);
        screenshot("overview");

        new Select(browser.findElement(By.id("filter-code"))).selectByValue(EXHAUSTED);
        browser.findElement(By.id("apply-filters")).click();
        wait.until(ExpectedConditions.urlContains("code=" + EXHAUSTED));
        shown(By.id("list-summary"));
        List<WebElement> rows = browser.findElements(By.cssSelector("#dead-letters tbody tr"));
        assertThat(rows).extracting(r -> r.getDomAttribute("data-code")).containsOnly(EXHAUSTED);
        assertThat(rows)
                .extracting(r -> r.getDomAttribute("data-request-id"))
                .contains(chosen, other)
                .doesNotContain(refused);
        screenshot("filtered-by-code");

        browser.findElement(By.linkText(chosen)).click();
        assertThat(shown(By.id("request-id")).getText()).isEqualTo(chosen);
        assertThat(browser.findElement(By.cssSelector("pre.command")).getText())
                .contains("\"type\" : \"invoice.create\"", "\"connectionId\" : \"conn_demo\"");
        assertThat(browser.findElement(By.cssSelector("table.headers")).getText())
                .contains("traceparent", "00-0af7651916cd43dd", "remit.attempt");
        assertThat(browser.findElements(By.cssSelector("#attempts tbody tr")))
                .hasSize(3)
                .allSatisfy(attempt -> assertThat(attempt.getText()).contains("503"));
        assertThat(browser.findElement(By.id("outcome-status")).getText()).isEqualTo("DEAD_LETTERED");
        screenshot("dead-letter");

        browser.navigate().back();
        shown(By.cssSelector("#dead-letters tr[data-request-id='" + chosen + "'] input[type=checkbox]"))
                .click();
        browser.findElement(By.id("reason")).sendKeys("API was down; it is back");
        browser.findElement(By.id("dry-run")).click();
        assertThat(shown(By.id("matched")).getText()).isEqualTo("1");
        assertThat(browser.findElement(By.id("eligible")).getText()).isEqualTo("1");
        assertThat(browser.findElements(By.cssSelector("#confirm-form input[name=_csrf]")))
                .as("the form carries its CSRF token")
                .hasSize(1);
        assertThat(browser.findElement(By.cssSelector("#confirm-form input[name=force]"))
                        .getDomAttribute("type"))
                .as("what the dry run counted, no more: forcing is not ticked on after it")
                .isEqualTo("hidden");
        screenshot("dry-run");

        browser.findElement(By.id("redrive")).click();
        wait.until(ExpectedConditions.urlContains("/ops/ui/redrives/"));
        String redrive = browser.getCurrentUrl().replaceAll(".*/ops/ui/redrives/", "");
        new WebDriverWait(browser, Duration.ofSeconds(20))
                .ignoring(StaleElementReferenceException.class)
                .ignoring(NoSuchElementException.class)
                .until(page -> page.findElement(By.id("state")).getText().equals("DONE"));
        assertThat(browser.findElement(By.id("redriven")).getText()).isEqualTo("1");
        assertThat(browser.findElement(By.id("requested-by")).getText()).isEqualTo(OPERATOR);
        screenshot("redrive-done");

        List<ConsumerRecord<byte[], byte[]>> published = redriven(redrive, 1, Duration.ofSeconds(10));
        assertThat(published).singleElement().satisfies(record -> {
            assertThat(KafkaProbe.key(record)).isEqualTo(chosen);
            assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo(value);
            assertThat(KafkaProbe.header(record, "traceparent")).startsWith("00-0af7651916cd43dd");
        });
        Map<String, Object> audit = jdbc.queryForMap(
                "select requested_by, reason, dry_run, force, state, filter::text as filter from redrive where id = ?::uuid",
                redrive);
        assertThat(audit)
                .containsEntry("requested_by", OPERATOR)
                .containsEntry("reason", "API was down; it is back")
                .containsEntry("dry_run", false)
                .containsEntry("force", false)
                .containsEntry("state", "DONE");
        assertThat((String) audit.get("filter")).contains(chosen).doesNotContain(other);
        assertThat(jdbc.queryForObject(
                        "select count(*) from redrive where dry_run and requested_by = ? and filter::text like ?",
                        Integer.class,
                        OPERATOR,
                        "%" + chosen + "%"))
                .isEqualTo(1);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> "SUCCEEDED"
                        .equals(jdbc.queryForObject(
                                "select status from command_outcome where request_id = ?", String.class, chosen)));
        assertThat(infra.sandbox.ledger().effects(chosen)).isEqualTo(1);
        browser.findElement(By.cssSelector("#items a")).click();
        assertThat(shown(By.id("outcome-status")).getText()).isEqualTo("SUCCEEDED");
        screenshot("succeeded");
    }

    @Test
    void aViewerSeesNoRedriveControlAndTheApiRefusesThem() throws Exception {
        String requestId = id("browser-viewer");
        stored().row(requestId, Commands.createInvoice(requestId))
                .code(EXHAUSTED, 503, "retries exhausted")
                .store();

        browser.get(url("/ops/"));
        signIn(VIEWER, VIEWER_PASSWORD);
        assertThat(shown(By.cssSelector("header .role")).getText()).isEqualTo("viewer");
        assertThat(browser.findElement(By.cssSelector("#dead-letters tr[data-request-id='" + requestId + "']"))
                        .isDisplayed())
                .isTrue();
        assertThat(browser.findElements(By.id("dry-run"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("#dead-letters input[type=checkbox]")))
                .isEmpty();
        screenshot("viewer");
        browser.findElement(By.linkText(requestId)).click();
        shown(By.id("request-id"));
        assertThat(browser.findElements(By.id("dry-run-one"))).isEmpty();

        var refused = post(
                "/ops/redrives",
                basic(VIEWER, VIEWER_PASSWORD),
                "{\"filter\":{\"requestIds\":[\"" + requestId + "\"]},\"reason\":\"viewer\"}");
        assertThat(refused.statusCode()).isEqualTo(403);

        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.urlContains("/ops/login"));
        browser.get(url("/ops/"));
        assertThat(browser.getCurrentUrl())
                .as("signed out: back to the login form")
                .endsWith("/ops/login");
    }

    /**
     * Markup a producer put in a command (its key, a header's name and value, the value) and an API put in its error
     * message is shown as the text it is, on the list and on the dead letter's page, and nothing of it runs: no element
     * it describes exists, and its script never changed the page's title.
     */
    @Test
    void markupFromAProducerOrTheApiIsShownAsTextAndNeverRuns() throws Exception {
        String markup = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";
        String key = id("xss") + markup;
        String code = code("XSS");
        stored().row(key, "{\"type\":\"invoice.create\",\"note\":\"" + markup.replace("\"", "\\\"") + "\"}")
                .code(code, 422, "the API said " + markup)
                .header(markup, markup)
                .store();

        browser.get(url("/ops/"));
        signIn(OPERATOR, OPERATOR_PASSWORD);
        shown(By.id("list-summary"));
        browser.get(url("/ops/?code=" + code));
        WebElement row = shown(By.cssSelector("#dead-letters tbody tr"));
        assertThat(row.getText()).contains(markup);
        assertNothingRan();
        screenshot("markup-listed");

        row.findElement(By.tagName("a")).click();
        assertThat(shown(By.id("request-id")).getText()).isEqualTo(key);
        assertThat(browser.findElement(By.tagName("body")).getText())
                .contains("the API said " + markup)
                .contains(markup);
        assertThat(browser.findElement(By.cssSelector("table.headers")).getText())
                .contains(markup);
        assertNothingRan();
        screenshot("markup-shown");
    }

    private void assertNothingRan() {
        assertThat(browser.getTitle())
                .as("the markup's script sets the title to this")
                .isNotEqualTo("pwned");
        assertThat(browser.findElements(By.cssSelector("img[src='x']")))
                .as("an element from the markup")
                .isEmpty();
        assertThat(browser.findElements(By.xpath("//script[contains(., 'pwned')]")))
                .isEmpty();
    }

    /** The element once the page shows it (a click that navigates returns before the next page is there). */
    private WebElement shown(By locator) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(locator));
    }

    private void signIn(String user, String password) {
        shown(By.id("username")).clear();
        browser.findElement(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
    }

    private void screenshot(String name) throws IOException {
        Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(
                file,
                SCREENSHOTS.resolve("console-%02d-%s.png".formatted(shots.incrementAndGet(), name)),
                StandardCopyOption.REPLACE_EXISTING);
    }
}
