package dev.numpool.web;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;

/**
 * A real headless Chromium for the website's tests (Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs). The driver path is given, so
 * Selenium Manager never reaches for the network; the profile is fresh and deleted at the end.
 */
final class Chromium implements AutoCloseable {
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    static boolean installed() {
        return Files.isExecutable(DRIVER);
    }

    /**
     * Skips the calling test class when the browser is absent, with the reason; on CI
     * ({@code .ci/run} sets {@code CI} and installs the browser) a missing browser fails instead,
     * so that browser tests never pass there in silence.
     */
    static void assumeInstalled() {
        if (System.getenv("CI") != null) {
            org.junit.jupiter.api.Assertions.assertTrue(installed(), "CI must have /usr/bin/chromedriver: .ci/run installs chromium and chromium-driver");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(installed(),
                "skipped: /usr/bin/chromedriver is absent (apt-get install chromium chromium-driver, as .ci/run does)");
    }

    static Chromium start() {
        return start("en-US");
    }

    /** A browser whose user reads {@code language} first (its {@code Accept-Language} and UI language), as a Russian-speaking visitor's would. */
    static Chromium start(String language) {
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        try {
            Path profile = Files.createTempDirectory("numpool-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run", "--user-data-dir=" + profile,
                    "--window-size=1280,900", "--lang=" + language);
            options.setExperimentalOption("prefs", Map.of("intl.accept_languages", language));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Chromium(driver, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Emulates a viewport of exactly this size (390 × 844 is a phone). */
    void viewport(int width, int height, boolean mobile) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
        driver.manage().window().setSize(new Dimension(Math.max(width, 500), height + 100));
    }

    /** The whole page (up to 6000 px tall) as a PNG. */
    void screenshot(Path file) {
        Number height = (Number) driver.executeScript("return Math.min(6000, document.documentElement.scrollHeight)");
        Number width = (Number) driver.executeScript("return window.innerWidth");
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the screen shows without scrolling, as a PNG. */
    void screenshotViewport(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
        }
    }
}
