using Faces.Cli.Serving;
using Faces.Tests.Detection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Faces.Tests.Serving;

/// <summary>
/// The page in a real browser: Debian's chromium, headless, driven by Selenium through Debian's chromedriver
/// (.ci/run installs both). Upload a photo; the face's box and expression appear; a screenshot is kept.
/// </summary>
public sealed class PageBrowserTests : IClassFixture<ServeTests.Models>
{
    private readonly ServeTests.Models models;

    public PageBrowserTests(ServeTests.Models models) => this.models = models;

    [Fact]
    public async Task Uploading_a_photo_shows_each_face_boxed_with_its_expression()
    {
        Assert.True(File.Exists("/usr/bin/chromium") && File.Exists("/usr/bin/chromedriver"),
            "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver; .ci/run does it)");
        var app = FacesServer.Build(new ServeOptions { ModelPath = models.Second, Urls = "http://127.0.0.1:0", Watch = false });
        await app.StartAsync();
        await using var _ = app;
        string url = app.Urls.First();

        // The answer the page must show, from the API itself.
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(FaceDetectorTests.Astronaut)), "image", "astronaut.png" } };
        var api = System.Text.Json.JsonDocument.Parse(await (await http.PostAsync("/api/predict", form)).Content.ReadAsStringAsync()).RootElement;
        string expected = api.GetProperty("faces")[0].GetProperty("expression").GetString()!;

        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000",
            $"--user-data-dir={Directory.CreateTempSubdirectory("faces-chromium-").FullName}");
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Navigate().GoToUrl(url);
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30));
        wait.Until(d => d.FindElement(By.Id("model")).Text.StartsWith("Model:", StringComparison.Ordinal));
        Assert.Contains("Mlp", driver.FindElement(By.Id("model")).Text);

        driver.FindElement(By.Id("file")).SendKeys(FaceDetectorTests.Astronaut);
        wait.Until(d => d.FindElements(By.CssSelector("#faces .face .expression")).Count > 0);
        var shown = driver.FindElements(By.CssSelector("#faces .face .expression"));
        Assert.Single(shown);
        Assert.Equal(expected, shown[0].Text);
        Assert.Equal(7, driver.FindElements(By.CssSelector("#faces .face .bar")).Count);
        Assert.StartsWith("1 face(s)", driver.FindElement(By.Id("status")).Text);
        // The canvas holds the photo with the box drawn: its size is the photo's.
        var canvas = driver.FindElement(By.Id("canvas"));
        Assert.Equal("512", canvas.GetAttribute("width"));

        string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        driver.GetScreenshot().SaveAsFile(Path.Combine(shots, "serve-page.png"));
        driver.Quit();
    }
}
