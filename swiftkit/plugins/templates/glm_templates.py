"""Zhipu / THUDM GLM-family chat templates (ms-swift's ids): data only.

GLM writes no end-of-turn text: a reply ends where the next ``<|user|>`` (or ``<|observation|>``)
begins, so those are the stop words and, in training, each reply is labelled together with the
``<|user|>`` that follows it (``train_reply_end``). The generation prompt is ``<|assistant|>``; the
reply starts with a newline (``reply_prefix``) up to GLM-4.5 and directly after it from GLM-4.7.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

CODEGEEX4_SYSTEM = (
    "你是一位智能编程助手，你叫CodeGeeX。你会为用户回答关于编程、代码、计算机方面的任何问题，并提供格式规范、可以执行、准确安全的代码，"
    "并在必要时提供详细的解释。"
)
#: GLM-Z1-Rumination's research-assistant prompt (its browsing tools listed), as the model was trained with it
RUMINATION_SYSTEM = (
    "你是一个专业的深度研究助手，通过提供的工具与模拟浏览器交互，来帮助用户完成深度信息调研和报告撰写任务。今年是 2025 年。\n\n"
    "<核心要求>\n- 首先分解用户请求，得到包含多个子要求的列表\n- 制定初始研究计划\n"
    "- 进行多轮迭代搜索和页面浏览（at least 10 function calls）：\n    * 根据已获得的信息调整研究计划和关键词\n"
    "    * 打开页面阅读，从发现的内容中识别新的关键概念/名词\n    * 从搜索结果中提取新的关键词继续搜索\n"
    "    * 访问并仔细阅读相关页面，识别新的关键概念/名词\n\n<重要配置>\n- 采用语言\n    * 搜索关键词：英文\n"
    "    * 思考：英文\n\n<可调用的工具列表>\n"
    '[{"name": "search", "description": "Execute a search query and return search results. Use this function when '
    'you need to find information about a specific topic.", "parameters": {"type": "object", "properties": '
    '{"query": {"type": "string", "description": "Search query string, use English words unless it is a proper name '
    'in Chinese"}}, "required": ["query"], "additionalProperties": false}}, {"name": "click", "description": "Click '
    'a link in the search results and navigate to the corresponding page. Use this function when you need to view '
    'detailed content of a specific search result.", "parameters": {"type": "object", "properties": {"link_id": '
    '{"type": "integer", "description": "The link ID to click (from the sequence number in search results)"}}, '
    '"required": ["link_id"], "additionalProperties": false}}, {"name": "open", "description": "Open a specific '
    'website. Get content from any website with its URL.", "parameters": {"type": "object", "properties": {"url": '
    '{"type": "string", "description": "The target website URL or domain"}}, "required": ["url"], '
    '"additionalProperties": false}}, {"name": "finish", "description": "Finish the task. Use this function when you '
    'have found the information you need.", "parameters": {"type": "object", "properties": {}, '
    '"additionalProperties": false}}]'
)

_SPECIALS = ["[gMASK]", "<sop>", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>", "<|endoftext|>"]
_STOPS = ["<|user|>", "<|observation|>", "<|endoftext|>"]


def _glm(id: str, description: str, *, newline: bool = True, **fields) -> TemplateSpec:
    sep = "\n" if newline else ""
    base = dict(
        prefix="[gMASK]<sop>",
        system="<|system|>" + sep + "{content}",
        user="<|user|>" + sep + "{content}",
        assistant_prefix="<|assistant|>",
        reply_prefix=sep,
        assistant_suffix="",
        train_reply_end="<|user|>",
        tool="<|observation|>" + sep + "{content}",
        stop_words=list(_STOPS),
        special_tokens=_SPECIALS + (["<think>", "</think>"] if fields.get("is_thinking") else []),
    )
    base.update(fields)
    return TemplateSpec(id=id, description=description, **base)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # ChatGLM2-6B (remote code): numbered rounds, 问/答.
        TemplateSpec(
            id="chatglm2",
            description="ChatGLM2 ([Round N]\\n\\n问：...\\n\\n答：...)",
            prefix="[gMASK]sop",
            system="{content}",
            user="[Round {round}]\n\n问：{content}\n\n答：",
            assistant_suffix="\n\n",
            train_reply_end="</s>",
            stop_words=["</s>"],
            special_tokens=["[gMASK]", "sop", "</s>"],
        ),
        # GLM-4-0414, GLM-4-9B-chat, ChatGLM3, GLM-Edge, CodeGeeX4: [gMASK]<sop><|role|>\n...
        _glm("glm4", "GLM-4 ([gMASK]<sop><|system|>/<|user|>/<|assistant|>, newline after each tag)",
             aliases=["chatglm4"], agent_template="glm4"),
        _glm("codegeex4", "CodeGeeX4: GLM-4 format with CodeGeeX's default system prompt",
             default_system=CODEGEEX4_SYSTEM),
        # GLM-Z1-Rumination: GLM-4 with reasoning and its research-assistant system prompt; earlier replies
        # are shown without their reasoning.
        _glm("glm4_z1_rumination", "GLM-Z1-Rumination: GLM-4 format, <think> reasoning, its research prompt",
             is_thinking=True, default_system=RUMINATION_SYSTEM),
        # GLM-4.5 / 4.6 (hybrid): every reply opens with its thinking block (empty when not thinking).
        _glm("glm4_5", "GLM-4.5 hybrid thinking: <think>...</think> before each reply, empty when not thinking",
             is_thinking=True, non_thinking_prefix="<think></think>\n", history_thinking_prefix="<think></think>\n",
             agent_template="glm4_5"),
        # GLM-4.7 and GLM-5.x: no newline after the tags; </think> before a reply without reasoning.
        _glm("glm4_7", "GLM-4.7 / GLM-5: tags without newlines; <think> to reason, </think> before the answer",
             newline=False, is_thinking=True, thinking_prefix="<think>", non_thinking_prefix="</think>",
             history_thinking_prefix="</think>", aliases=["glm5_1", "glm5_2"], agent_template="glm4_7"),
    ]
