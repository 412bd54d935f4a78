package dev.jground.text;

/**
 * The prompt string a LLaVA model was trained on. {@code LLAVA_V1} is the paper's code
 * (llava/conversation.py conv_llava_v1, SeparatorStyle.TWO: system, " USER: <image>\n" +
 * question, " ASSISTANT:" with no trailing space); {@code LLAVA_HF} is the shorter
 * template of llava-hf's chat_template.json.
 */
public enum ChatTemplate {
    LLAVA_V1("llava_v1"),
    LLAVA_HF("llava-hf");

    public static final String SYSTEM = "A chat between a curious human and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the human's questions.";
    public static final String IMAGE = "<image>";

    private final String id;

    ChatTemplate(String id) { this.id = id; }

    public String id() { return id; }

    public static ChatTemplate of(String id) {
        for (ChatTemplate t : values()) if (t.id.equals(id)) return t;
        throw new IllegalArgumentException("unknown chat template '" + id + "' (llava_v1 or llava-hf)");
    }

    /** One user turn with the image before the question, ending where the assistant's answer starts. */
    public String prompt(String question) {
        String user = "USER: " + IMAGE + "\n" + question + " ASSISTANT:";
        return this == LLAVA_V1 ? SYSTEM + " " + user : user;
    }
}
