using Markdig;

namespace Faces.Cli.Reports;

/// <summary>A report's Markdown as a standalone HTML page (Markdig: CommonMark with pipe tables), no external assets.</summary>
internal static class HtmlReport
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    private const string Style =
        "body{font-family:sans-serif;max-width:1000px;margin:auto} table{border-collapse:collapse} " +
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right} pre{background:#f6f6f6;padding:8px} img{max-width:100%}";

    /// <summary>The page for <paramref name="markdown"/>, titled <paramref name="title"/>.</summary>
    public static string FromMarkdown(string markdown, string title = "Faces report") =>
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + System.Net.WebUtility.HtmlEncode(title) + "</title>\n" +
        "<style>" + Style + "</style></head><body>\n" + Markdown.ToHtml(markdown, Pipeline) + "</body></html>\n";
}
