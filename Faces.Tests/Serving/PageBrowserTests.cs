using Faces.Cli.Serving;
using Faces.Tests.Detection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Faces.Tests.Serving;

/// <summary>
/// The page in a real browser: Debian's chromium, headless, driven by Selenium through Debian's chromedriver
/// (.ci/run installs both). Upload a photo: the face's box and expression appear, and a click shows its saliency map.
/// Live mode with a fake camera playing a video made from the committed photo: boxes and the expression appear over
/// the video. Screenshots are kept.
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

        using var driver = Chromium();
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

        // A click on the face's card draws its saliency map over the box: the box's middle changes colour, a corner of
        // the photo does not.
        var face = api.GetProperty("faces")[0].GetProperty("box");
        int cx = face.GetProperty("x").GetInt32() + face.GetProperty("width").GetInt32() / 2, cy = face.GetProperty("y").GetInt32() + face.GetProperty("height").GetInt32() / 2;
        string Pixels() => (string)driver.ExecuteScript(
            $"const g = document.getElementById('canvas').getContext('2d'); return [...g.getImageData({cx}, {cy}, 1, 1).data, ...g.getImageData(2, 2, 1, 1).data].join(',');")!;
        string before = Pixels();
        driver.FindElement(By.CssSelector("#faces .face")).Click();
        wait.Until(d => d.FindElements(By.CssSelector("#faces .face.explained")).Count == 1);
        string after = Pixels();
        Assert.NotEqual(before.Split(',')[..4], after.Split(',')[..4]);
        Assert.Equal(before.Split(',')[4..], after.Split(',')[4..]);

        string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        driver.GetScreenshot().SaveAsFile(Path.Combine(shots, "serve-page.png"));
        driver.Quit();
    }

    [Fact]
    public async Task Live_mode_draws_the_faces_found_in_the_camera_stream_over_the_video()
    {
        Assert.True(File.Exists("/usr/bin/chromium") && File.Exists("/usr/bin/chromedriver"),
            "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver; .ci/run does it)");
        var app = FacesServer.Build(new ServeOptions { ModelPath = models.Second, Urls = "http://127.0.0.1:0", Watch = false });
        await app.StartAsync();
        await using var _ = app;
        string video = Path.Combine(Directory.CreateTempSubdirectory("faces-camera-").FullName, "camera.y4m");
        FakeCamera.Write(FaceDetectorTests.Astronaut, video, 640, 480, frames: 10);

        using var driver = Chromium("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-video-capture={video}");
        driver.Navigate().GoToUrl(app.Urls.First());
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(60));
        wait.Until(d => d.FindElement(By.Id("model")).Text.StartsWith("Model:", StringComparison.Ordinal));
        driver.FindElement(By.Id("live")).Click();
        wait.Until(d => d.FindElement(By.Id("overlay")).GetAttribute("data-boxes") == "1" && d.FindElement(By.Id("live-status")).Text.Contains("frames/s"));

        // The label names one of the model's classes; the overlay has the frame's size and green where the box is.
        string status = driver.FindElement(By.Id("live-status")).Text;
        string[] classes = { "anger", "disgust", "fear", "happy", "sad", "surprise", "neutral" };
        Assert.Contains(classes, c => status.StartsWith(c + " ", StringComparison.Ordinal));
        Assert.Equal("640", driver.FindElement(By.Id("overlay")).GetAttribute("width"));
        long green = (long)driver.ExecuteScript(
            "const d = document.getElementById('overlay').getContext('2d').getImageData(0, 0, 640, 480).data; let n = 0;" +
            "for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 150 && d[i] < 60 && d[i + 3] > 200) n++; return n;")!;
        Assert.True(green > 100, $"{green} green pixels on the overlay");

        string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        driver.GetScreenshot().SaveAsFile(Path.Combine(shots, "serve-live.png"));
        driver.FindElement(By.Id("live")).Click(); // stop
        driver.Quit();
    }

    /// <summary>Headless chromium through Debian's chromedriver, with <paramref name="extra"/> flags.</summary>
    private static ChromeDriver Chromium(params string[] extra)
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000",
            $"--user-data-dir={Directory.CreateTempSubdirectory("faces-chromium-").FullName}");
        options.AddArguments(extra);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
