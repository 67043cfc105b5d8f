package org.qsearch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.qsearch.indexer.TestCollections;

/**
 * The search page in headless Chromium (Debian's chromium and chromium-driver; .ci/run installs
 * them, and without them these tests are skipped with the reason printed). Screenshots of the
 * results go to target/browser/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchPageBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "browser");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private FruitServer fruit;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    void start(@TempDir Path tmp) throws IOException {
        Optional<Path> chromium = executable("chromium", "chromium-browser", "google-chrome");
        Optional<Path> driver = executable("chromedriver");
        if (chromium.isEmpty() || driver.isEmpty()) {
            String reason = "browser tests skipped: " + (chromium.isEmpty() ? "chromium" : "chromedriver")
                    + " is not installed (apt-get install chromium chromium-driver)";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        fruit = FruitServer.start(tmp, FruitServer.settings());
        ChromeOptions options = new ChromeOptions().setBinary(chromium.get().toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, WAIT);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stop() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (fruit != null) {
            fruit.close();
        }
    }

    @BeforeEach
    void desktopSize() {
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    private static Optional<Path> executable(String... names) {
        return Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .flatMap(dir -> Stream.of(names).map(name -> Path.of(dir, name)))
                .filter(Files::isExecutable).findFirst();
    }

    private List<WebElement> imageResults() {
        return wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#images .image-result"), 0))
                .stream().toList();
    }

    private void waitForThumbnails() {
        wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                "const imgs = [...document.querySelectorAll('#images img')];"
                        + "return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);"));
    }

    private void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void typingAQueryShowsThumbnailsAndCaptionsAndPutsItInTheUrl() throws IOException {
        browser.get(fruit.server.url() + "/");
        WebElement box = browser.findElement(By.id("q"));
        box.sendKeys("red apple", Keys.ENTER);
        List<WebElement> results = imageResults();
        waitForThumbnails();
        assertTrue(results.size() > 1);
        for (WebElement card : results) {
            assertFalse(card.findElement(By.className("caption")).getText().isBlank(), "a caption snippet");
            assertTrue(card.getAttribute("title").contains("score"), "scores on hover");
        }
        assertTrue(browser.getCurrentUrl().contains("q=red+apple"), browser.getCurrentUrl());
        assertTrue(browser.findElement(By.id("status")).getText().contains("results"));
        assertFalse(browser.findElement(By.id("query-image")).isDisplayed(), "no query image for a text query");
        assertFalse(browser.findElement(By.id("error")).isDisplayed());
        screenshot("results.png");

        browser.navigate().refresh(); // the URL alone brings the same search back
        assertEquals("red apple", browser.findElement(By.id("q")).getAttribute("value"));
        assertEquals(results.size(), imageResults().size());
    }

    @Test
    void uploadingAnImageShowsMatchingTextsAndSimilarImages() throws IOException {
        browser.get(fruit.server.url() + "/");
        browser.findElement(By.id("file")).sendKeys(TestCollections.fruitFolder().resolve("banana.png").toAbsolutePath().toString());
        List<WebElement> texts = wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#texts .text-result"), 0));
        for (WebElement text : texts) {
            String words = text.findElement(By.className("text")).getText();
            assertTrue(TestCollections.FRUIT.containsValue(words), words);
        }
        assertTrue(browser.findElement(By.id("query-image")).isDisplayed());
        List<WebElement> images = imageResults();
        assertTrue(images.getFirst().findElement(By.className("caption")).getText().contains("banana"),
                "the image itself is the most similar");
        waitForThumbnails();
        screenshot("image-query.png");
    }

    @Test
    void findSimilarAndSearchThisCaptionRunNewSearches() {
        browser.get(fruit.server.url() + "/?q=lemon");
        WebElement first = imageResults().getFirst();
        String id = first.getAttribute("data-id");
        String caption = first.findElement(By.className("caption")).getText();
        first.findElement(By.xpath(".//button[text()='Find similar']")).click();
        wait.until(ExpectedConditions.urlContains("like=" + id));
        wait.until(d -> d.findElements(By.cssSelector("#images .image-result")).stream()
                .noneMatch(card -> id.equals(card.getAttribute("data-id"))) && !d.findElements(By.cssSelector("#images .image-result")).isEmpty());
        assertTrue(browser.findElement(By.id("query-image")).isDisplayed());
        assertFalse(browser.findElements(By.cssSelector("#texts .text-result")).isEmpty(), "its texts too");

        WebElement other = imageResults().getFirst();
        String otherCaption = other.findElement(By.className("caption")).getText();
        other.findElement(By.xpath(".//button[text()='Search this caption']")).click();
        wait.until(d -> otherCaption.equals(d.findElement(By.id("q")).getAttribute("value")));
        assertTrue(browser.getCurrentUrl().contains("q="), browser.getCurrentUrl());
        imageResults();
        browser.navigate().back(); // history works: back to the "similar" search
        wait.until(ExpectedConditions.urlContains("like=" + id));
        assertFalse(caption.isBlank());
    }

    @Test
    void aBadUploadAndAnEmptyQueryShowErrors(@TempDir Path tmp) throws IOException {
        browser.get(fruit.server.url() + "/");
        Path bad = Files.writeString(tmp.resolve("not-really.png"), "these are words, not pixels");
        browser.findElement(By.id("file")).sendKeys(bad.toString());
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertTrue(error.getText().contains("could not be searched"), error.getText());
        screenshot("bad-upload.png");

        browser.findElement(By.id("q")).sendKeys(Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "Type something"));
    }

    @Test
    void rerankAndKControlsAndThePhoneWidthLayout() throws IOException {
        browser.get(fruit.server.url() + "/?q=cherries&k=3&rerank=0");
        assertEquals(3, imageResults().size());
        assertFalse(browser.findElement(By.id("rerank")).isSelected());
        browser.findElement(By.xpath("//button[@title='Search with this caption as the text']")); // actions are buttons: keyboard-reachable
        browser.manage().window().setSize(new Dimension(390, 844));
        waitForThumbnails();
        Boolean fits = (Boolean) browser.executeScript("return document.documentElement.scrollWidth <= window.innerWidth;");
        assertTrue(fits, "no horizontal scrolling at phone width");
        screenshot("phone.png");
    }
}
