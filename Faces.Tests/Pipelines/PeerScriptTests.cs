using System.Text.RegularExpressions;
using Faces.Cli.Benchmarks;

namespace Faces.Tests.Pipelines;

public sealed class PeerScriptTests
{
    [Theory]
    [InlineData("memory_peer.py")]
    [InlineData("fashion_peer.py")]
    [InlineData("score_peer.py")]
    [InlineData("mog_peer.py")]
    [InlineData("real_peer.py")]
    public void Every_local_module_a_peer_imports_is_written_beside_it(string script)
    {
        string folder = Directory.CreateTempSubdirectory("faces-peer-").FullName;
        try
        {
            string path = PythonPeer.WriteScript(script, folder);
            Assert.Equal(Path.Combine(folder, script), path);
            // "from X import …" of a module that is not installed must name a file the folder now holds.
            var local = Regex.Matches(File.ReadAllText(path), @"^from (\w+) import", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).Where(module => module.StartsWith("study_", StringComparison.Ordinal));
            foreach (var module in local)
                Assert.True(File.Exists(Path.Combine(folder, module + ".py")), $"{script} imports {module}, which was not written beside it");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
