import GenRLNN
import GenRLTensor

/// A language model whose value head is affine in a feature vector per position: the
/// values of `callAsFunction` are
///
///   values[b, t] = w · h[b, t] + c
///
/// with h = `valueHeadInputs(tokens)` (the top layer's output of a recurrent model, the
/// final layer norm's output of a transformer) and (w, c) the head's weight and bias.
/// Reading h gives what the head sees, for a Bayesian linear model on the same features
/// (the feature-uncertainty query selection of GenRLFeedback).
public protocol ValueHeadFeatures: LanguageModel {
    /// The value head's input at every position of `tokens` [B, T], from a zero state:
    /// [B, T, F]; recorded for gradients unless called under `withNoGrad`.
    func valueHeadInputs(_ tokens: IntTensor) -> Tensor
}

/// `valueHeadInputs` is in the model's own file, beside the forward pass it shares.
extension RecurrentLanguageModel: ValueHeadFeatures {}

/// `valueHeadInputs` is in the model's own file, beside the forward pass it shares.
extension GPTLanguageModel: ValueHeadFeatures {}
