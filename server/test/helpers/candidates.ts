import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { randomAnswer, type JoinReply } from '@examhall/shared';

/**
 * A candidate driven through the real SDK that records the highest seq the server acknowledged
 * (queued or committed) per question: the set of promises the server made to it.
 */
export class RecordingCandidate {
  readonly client: ExamClient;
  readonly acked = new Map<string, number>();
  attemptId = '';
  paper: JoinReply['paper'] | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(url: string, token: string, resendAfterMs = 5000) {
    this.client = new ExamClient({ url, token, storage: new MemoryOutboxStorage(), resendAfterMs });
    const record = ({ questionId, seq }: { questionId: string; seq: number }) => {
      if ((this.acked.get(questionId) ?? 0) < seq) this.acked.set(questionId, seq);
    };
    this.client.on('queued', record);
    this.client.on('committed', record);
  }

  async start(intervalMs: number): Promise<void> {
    await this.client.connect();
    const reply = await this.client.join();
    this.attemptId = reply.attemptId;
    this.paper = reply.paper;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const q = this.paper!.questions[Math.floor(Math.random() * this.paper!.questions.length)]!;
        await this.client.saveAnswer(q.id, randomAnswer(q));
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
