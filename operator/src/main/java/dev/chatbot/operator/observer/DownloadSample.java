package dev.chatbot.operator.observer;

import dev.chatbot.api.v1alpha1.ModelStatus;
import java.time.Instant;
import java.util.List;

/**
 * What the operator read from the downloader Job's pods at one moment (at most every 10 s): the
 * pull command's last line per model, and how its pods ended.
 *
 * @param job the Job's name
 * @param jobUid the Job's uid: a Job deleted and made again under the same name is a new download
 * @param sampledAt when it was read
 * @param models one entry per model of the spec, in order; empty when nothing was readable yet
 * @param failure why the download cannot succeed however often the Job retries it (a full volume,
 *     an error from Ollama), or null
 * @param problem why the progress could not be read (an API error), or null
 */
public record DownloadSample(
    String job,
    String jobUid,
    Instant sampledAt,
    List<ModelStatus> models,
    String failure,
    String problem) {}
