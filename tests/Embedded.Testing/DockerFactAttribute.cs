using Xunit;

namespace Embedded.Testing;

/// <summary>
/// A test against the real engine. Skipped when none answers locally; under CI=true it runs anyway,
/// so that its fixture fails it: CI must not pass by skipping every Docker test.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute() => Skip = DockerEngine.WhySkip;
}
