/// Exponential backoff with full jitter (AWS's "Exponential Backoff And Jitter"): attempt `n`
/// waits a uniformly random time from 0 to `min(max, base × 2ⁿ)`, so that clients retrying
/// after the same outage spread out instead of arriving together.
///
/// ```swift
/// var backoff = AuditClientBackoff(base: .milliseconds(100), max: .seconds(10))
/// try await Task.sleep(for: backoff.next())   // 0…100 ms, then 0…200 ms, …
/// backoff.reset()
/// ```
public struct AuditClientBackoff: Sendable {
    /// The first ceiling.
    public var base: Duration
    /// The largest ceiling.
    public var max: Duration
    /// Failed attempts since the last ``reset()``.
    public private(set) var attempts = 0

    /// A backoff from `base` doubling up to `max`.
    public init(base: Duration, max: Duration) {
        self.base = base
        self.max = max
    }

    /// The ceiling of the next wait: `min(max, base × 2^attempts)`.
    public var ceiling: Duration {
        let factor = Int64(1) << Int64(Swift.min(attempts, 30))
        let scaled = base * factor
        return scaled > max ? max : scaled
    }

    /// The next wait, uniformly random in `0...ceiling`; counts an attempt.
    public mutating func next() -> Duration {
        let limit = ceiling
        attempts += 1
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...Swift.max(0, nanoseconds)))
    }

    /// Starts over after a success.
    public mutating func reset() { attempts = 0 }
}
