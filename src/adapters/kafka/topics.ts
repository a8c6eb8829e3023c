/** Header names Ovenline puts on its Kafka records. */
export const HEADER = {
  contentType: "content-type",
  schemaVersion: "ovenline-schema-version",
  eventKind: "ovenline-event",
  traceparent: "traceparent",
  deadLetterReason: "dlq-reason",
  deadLetterTopic: "dlq-original-topic",
  deadLetterPartition: "dlq-original-partition",
  deadLetterOffset: "dlq-original-offset",
  deadLetterAt: "dlq-at",
} as const;

export const ORDER_EVENT_CONTENT_TYPE =
  "application/x-protobuf; messageType=ovenline.v1.OrderEvent";
